using System.Globalization;
using System.Text;
using Billing.Contracts.Money;
using Billing.Features.Support;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;

namespace Billing.Features.Refunds.Reconciler;

/// <summary>
/// One e-mail per reconciler run to the support address, listing the refunds that now need support. The run row
/// is locked and marked sent in the same transaction; SMTP cannot join it, so a crash between sending and the
/// commit sends the mail again on redelivery — with the same Message-ID, so mail clients show it once.
/// </summary>
public sealed class SupportMailConsumer(BillingDbContext db, ISupportMailer mailer, TimeProvider clock) : IConsumer<ReconcilerRunCompleted>
{
    public async Task Consume(ConsumeContext<ReconcilerRunCompleted> context)
    {
        var runId = context.Message.RunId;
        var ct = context.CancellationToken;

        await using (var claim = await db.CreateCommandAsync(
            "select 1 from refunds.reconciler_run where run_id = $1 and mail_sent_at is null for update", ct))
        {
            claim.Parameters.Add(new() { Value = runId });
            if (await claim.ExecuteScalarAsync(ct) is null)
                return;
        }

        var lines = new List<string>();
        await using (var refunds = await db.CreateCommandAsync("""
            select r.correlation_id, r.payment_id, r.amount, r.currency, r.method, r.attempt_count, r.last_error_code, r.last_error_message
            from refunds.reconciler_run_item i join refunds.refund r on r.correlation_id = i.refund_id
            where i.run_id = $1 and i.outcome = 'needs_support'
            order by r.requested_at
            """, ct))
        {
            refunds.Parameters.Add(new() { Value = runId });
            await using var reader = await refunds.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"- {reader.GetGuid(0)}  payment {reader.GetString(1)}  {Currencies.Format(reader.GetDecimal(2), reader.GetString(3).Trim())}  " +
                    $"{reader.GetString(4)}  {reader.GetInt32(5)} attempts  {(reader.IsDBNull(6) ? "unknown" : reader.GetString(6))}: " +
                    $"{(reader.IsDBNull(7) ? "" : reader.GetString(7))}"));
        }

        var body = new StringBuilder()
            .AppendLine($"The refund reconciler run {runId} could not complete {lines.Count} refund(s); they now need support.")
            .AppendLine("Retry one with POST /refunds/{id}/retry once its cause is fixed, or see GET /refunds/{id} for its attempts.")
            .AppendLine()
            .AppendJoin(Environment.NewLine, lines)
            .AppendLine()
            .ToString();
        await mailer.SendAsync(new SupportMail
        {
            Subject = $"[billing] {lines.Count} refund(s) need support (reconciler run {runId:N})",
            Body = body,
            MessageId = runId,
        }, ct);

        await using var sent = await db.CreateCommandAsync("update refunds.reconciler_run set mail_sent_at = $2 where run_id = $1", ct);
        sent.Parameters.Add(new() { Value = runId });
        sent.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await sent.ExecuteNonQueryAsync(ct);
    }
}

public class SupportMailConsumerDefinition : ConsumerDefinition<SupportMailConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SupportMailConsumer> consumerConfigurator, IRegistrationContext context) =>
        // The mail server may be down for a while: keep trying, spaced out, before giving up to the error queue.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)));
}

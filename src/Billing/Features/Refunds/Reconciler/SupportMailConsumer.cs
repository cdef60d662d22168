using System.Globalization;
using System.Text;
using Billing.Contracts.Money;
using Billing.Features.Support;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

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

        var unsent = await db.Database.SqlQuery<int>(
            $"select 1 as \"Value\" from refunds.reconciler_run where run_id = {runId} and mail_sent_at is null for update").ToListAsync(ct);
        if (unsent.Count == 0)
            return;

        var refunds = await db.Database.SqlQuery<NeedsSupportLine>($"""
            select r.correlation_id as "RefundId", r.payment_id as "PaymentId", r.amount as "Amount", trim(r.currency) as "Currency",
                   r.method as "Method", r.attempt_count as "Attempts", r.last_error_code as "Cause", r.last_error_message as "Message"
            from refunds.reconciler_run_item i join refunds.refund r on r.correlation_id = i.refund_id
            where i.run_id = {runId} and i.outcome = 'needs_support'
            order by r.requested_at
            """).ToListAsync(ct);
        var lines = refunds.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"- {r.RefundId}  payment {r.PaymentId}  {Currencies.Format(r.Amount, r.Currency)}  {r.Method}  {r.Attempts} attempts  {r.Cause ?? "unknown"}: {r.Message}"))
            .ToList();

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

        await db.Database.ExecuteSqlAsync($"update refunds.reconciler_run set mail_sent_at = {clock.GetUtcNow()} where run_id = {runId}", ct);
    }
}

public sealed record NeedsSupportLine(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, int Attempts,
    string? Cause, string? Message);

public class SupportMailConsumerDefinition : ConsumerDefinition<SupportMailConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SupportMailConsumer> consumerConfigurator, IRegistrationContext context) =>
        // The mail server may be down for a while: keep trying, spaced out, before giving up to the error queue.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)));
}

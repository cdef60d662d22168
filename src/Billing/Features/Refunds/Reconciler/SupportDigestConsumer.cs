using System.Globalization;
using System.Text;
using Billing.Contracts.Money;
using Billing.Contracts.Refunds;
using Billing.Features.Support;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Reconciler;

/// <summary>
/// The support digest: one mail listing the refunds that entered Failed or NeedsSupport since the previous digest, so
/// support hears of them between reconciler runs. The digest row is claimed by its id (a duplicate firing finds it
/// taken and sends nothing), locked, and marked sent in the same transaction; a crash between sending and the commit
/// sends it again with the same Message-ID (the digest id). Nothing new: no mail.
/// </summary>
public sealed class SupportDigestConsumer(BillingDbContext db, ISupportMailer mailer, TimeProvider clock) : IConsumer<SupportDigestDue>
{
    public async Task Consume(ConsumeContext<SupportDigestDue> context)
    {
        var digest = context.Message;
        var ct = context.CancellationToken;

        await db.Database.ExecuteSqlAsync($"""
            insert into refunds.support_digest (digest_id, due_at, covers_from, covers_to)
            select {digest.DigestId}, {digest.DueAt},
                   coalesce((select max(covers_to) from refunds.support_digest), {digest.DueAt.AddDays(-1)}), {digest.DueAt}
            on conflict (digest_id) do nothing
            """, ct);
        var window = await db.Database.SqlQuery<DigestWindow>($"""
            select covers_from as "From", covers_to as "To" from refunds.support_digest
            where digest_id = {digest.DigestId} and mail_sent_at is null
            for update
            """).ToListAsync(ct);
        if (window.Count == 0)
            return;
        var (from, to) = (window[0].From, window[0].To);

        var refunds = await db.Database.SqlQuery<DigestLine>($"""
            select correlation_id as "RefundId", current_state as "State", payment_id as "PaymentId", amount as "Amount",
                   trim(currency) as "Currency", method as "Method", last_error_code as "Cause", last_error_message as "Message"
            from refunds.refund
            where (failed_at >= {from} and failed_at < {to}) or (needs_support_at >= {from} and needs_support_at < {to})
            order by coalesce(needs_support_at, failed_at)
            """).ToListAsync(ct);

        if (refunds.Count > 0)
        {
            var body = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"{refunds.Count} refund(s) failed or came to need support between {from:u} and {to:u}:")
                .AppendLine()
                .AppendJoin(Environment.NewLine, refunds.Select(r => string.Create(CultureInfo.InvariantCulture,
                    $"- {r.RefundId}  now {Saga.RefundStatus.OfState(r.State)}  payment {r.PaymentId}  {Currencies.Format(r.Amount, r.Currency)}  {r.Method}  {r.Cause ?? "unknown"}: {r.Message}")))
                .AppendLine()
                .AppendLine()
                .AppendLine("Failed refunds get one more attempt in the next reconciler run; retry one by hand with POST /refunds/{id}/retry.")
                .ToString();
            await mailer.SendAsync(new SupportMail
            {
                Subject = $"[billing] digest: {refunds.Count} refund(s) failed or need support",
                Body = body,
                MessageId = digest.DigestId,
            }, ct);
        }

        await db.Database.ExecuteSqlAsync(
            $"update refunds.support_digest set refunds = {refunds.Count}, mail_sent_at = {clock.GetUtcNow()} where digest_id = {digest.DigestId}", ct);
    }
}

public sealed record DigestWindow(DateTimeOffset From, DateTimeOffset To);

public sealed record DigestLine(Guid RefundId, string? State, string PaymentId, decimal Amount, string Currency, string Method, string? Cause,
    string? Message);

public class SupportDigestConsumerDefinition : ConsumerDefinition<SupportDigestConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SupportDigestConsumer> consumerConfigurator, IRegistrationContext context) =>
        // The mail server may be down for a while: keep trying, spaced out, before giving up to the error queue.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)));
}

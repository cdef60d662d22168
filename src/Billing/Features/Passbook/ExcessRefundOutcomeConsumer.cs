using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;

namespace Billing.Features.Passbook;

/// <summary>
/// Books the refund saga's outcome of an excess refund: paid → a refund entry (+amount) in the passbook; failed,
/// rejected or waiting on support → the excess is marked so and its credit stays on the account. Every other refund's
/// outcome finds no excess_refund row and changes nothing. Runs with the inbox and outbox; each statement is
/// idempotent as well (the entry's external_ref, status guards), so a redelivery changes nothing either way.
/// Takes no account lock: a paid excess lowers the credit and the reserved excesses by the same amount, so a
/// concurrent repayment computes the same credit either side of it.
/// </summary>
public sealed class ExcessRefundOutcomeConsumer(BillingDbContext db, ILogger<ExcessRefundOutcomeConsumer> logger) :
    IConsumer<RefundSucceeded>, IConsumer<RefundFailed>, IConsumer<RefundRejected>, IConsumer<RefundNeedsSupport>
{
    public async Task Consume(ConsumeContext<RefundSucceeded> context)
    {
        var refund = context.Message;
        await Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            select account_id, 'refund', amount, currency, 'refund:' || refund_id, $2, now(), 'Overpayment refunded (' || gateway_payment_id || ')'
            from billing.excess_refund where refund_id = $1
            on conflict (external_ref) do nothing
            """, context.CancellationToken, refund.RefundId, refund.RefundedAt.ToUniversalTime());
        // From failed too: a refund the reconciler or support paid later is paid.
        var marked = await Execute("""
            update billing.excess_refund set status = 'refunded', settled_at = now(), detail = null
            where refund_id = $1 and status <> 'refunded'
            """, context.CancellationToken, refund.RefundId);
        if (marked > 0)
            logger.LogInformation("Excess refund {RefundId} paid back: {Amount} {Currency}", refund.RefundId, refund.Amount, refund.Currency);
    }

    public Task Consume(ConsumeContext<RefundFailed> context) =>
        Unpaid(context.Message.RefundId, "failed", $"{context.Message.Cause}: {context.Message.Message}", ["pending", "requested"],
            context.CancellationToken);

    public Task Consume(ConsumeContext<RefundRejected> context) =>
        Unpaid(context.Message.RefundId, "rejected", $"{context.Message.Code}: {context.Message.Detail}", ["pending", "requested"],
            context.CancellationToken);

    // After the reconciler's attempt failed too: still failed, now with support's cause.
    public Task Consume(ConsumeContext<RefundNeedsSupport> context) =>
        Unpaid(context.Message.RefundId, "failed", $"needs support: {context.Message.Cause}: {context.Message.Message}",
            ["pending", "requested", "failed"], context.CancellationToken);

    /// <summary>Never over a refunded excess: its refund entry is in the passbook (a payment the provider reversed later is left to support).</summary>
    async Task Unpaid(Guid refundId, string status, string detail, string[] from, CancellationToken cancellationToken)
    {
        var marked = await Execute("""
            update billing.excess_refund set status = $2, detail = left($3, 1000), settled_at = now()
            where refund_id = $1 and status = any($4)
            """, cancellationToken, refundId, status, detail, from);
        if (marked > 0)
            logger.LogWarning("Excess refund {RefundId} {Status}, its credit stays on the account: {Detail}", refundId, status, detail);
    }

    async Task<int> Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = await db.CreateCommandAsync(sql, cancellationToken);
        command.Parameters.AddPositional(values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

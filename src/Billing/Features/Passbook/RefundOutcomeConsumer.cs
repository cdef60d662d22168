using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;

namespace Billing.Features.Passbook;

/// <summary>
/// Books every refund outcome that moves money of a repayment the passbook knows, whoever asked for the refund (billing's
/// own excess refunds, and refunds another system requested through <c>POST /refunds</c>):
/// <list type="bullet">
/// <item>paid → a refund entry of the amount paid, one per provider refund (<see cref="PaidRef"/>);</item>
/// <item>paid elsewhere and resolved by hand → a refund entry as well;</item>
/// <item>failed by the provider after it was paid → a reversing refund entry, negative (the passbook is append-only);</item>
/// <item>failed, rejected, waiting on support, cancelled or resolved unpaid → no entry, only the excess's status (an excess a
/// reversal is cancelling stays so while its refund is failed; it ends cancelled, or refunded if it was paid after all).</item>
/// </list>
/// The account is the one the repayment is on (after a move, the right one); a refund of a payment the passbook does not know books nothing. Runs with the inbox and
/// outbox, and every statement is idempotent (the entries' external_ref, status guards), so a redelivery changes nothing.
/// The outcomes of one refund may arrive in any order: a payment and its reversal each book their own entry, and a
/// reversed payment never marks its excess refunded. Takes no account lock: an entry and the excess's status move the
/// credit and the reserved excesses by the same amount, so a concurrent repayment computes the same credit either side.
/// </summary>
public sealed class RefundOutcomeConsumer(BillingDbContext db, ILogger<RefundOutcomeConsumer> logger) :
    IConsumer<RefundSucceeded>, IConsumer<RefundFailed>, IConsumer<RefundRejected>, IConsumer<RefundNeedsSupport>,
    IConsumer<RefundReversed>, IConsumer<RefundResolvedByHand>, IConsumer<RefundCancelled>
{
    /// <summary>One entry per provider refund: a refund paid, reversed and paid again is two payments and one reversal.</summary>
    public static string PaidRef(Guid refundId, string providerRefundId) =>
        string.IsNullOrEmpty(providerRefundId) ? $"refund:{refundId}" : $"refund:{refundId}:{providerRefundId}";

    public static string ReversalRef(Guid refundId, string providerRefundId) => $"refund-reversal:{refundId}:{providerRefundId}";

    public static string PaidElsewhereRef(Guid refundId) => $"refund:{refundId}:paid-elsewhere";

    public async Task Consume(ConsumeContext<RefundSucceeded> context)
    {
        var refund = context.Message;
        var booked = await Book(refund.RefundId, refund.PaymentId, "refund", refund.Amount, PaidRef(refund.RefundId, refund.ProviderRefundId),
            refund.RefundedAt, "Refunded", context.CancellationToken);
        // From failed too: a refund the reconciler or support paid later is paid. Not when this very payment was reversed.
        var marked = await Execute("""
            update billing.excess_refund set status = 'refunded', settled_at = now(), detail = null
            where refund_id = $1 and status <> 'refunded'
              and not exists (select 1 from billing.passbook_entry where external_ref = $2)
            """, context.CancellationToken, refund.RefundId, ReversalRef(refund.RefundId, refund.ProviderRefundId));
        if (booked > 0 || marked > 0)
            logger.LogInformation("Refund {RefundId} of {PaymentId} paid: {Amount} {Currency}", refund.RefundId, refund.PaymentId, refund.Amount, refund.Currency);
        if (booked > 0)
            await CheckCredit(context, refund.RefundId, refund.PaymentId);
    }

    /// <summary>Another system's refund took credit off the account: its unpaid excesses are cut back to what is left.</summary>
    async Task CheckCredit(ConsumeContext context, Guid refundId, string paymentId)
    {
        await using var command = await db.CreateCommandAsync("""
            select r.account_id from billing.repayment r
            where r.gateway_payment_id = $1 and not exists (select 1 from billing.excess_refund x where x.refund_id = $2)
            """, context.CancellationToken);
        command.Parameters.AddPositional(paymentId, refundId);
        if (await command.ExecuteScalarAsync(context.CancellationToken) is string accountId)
            await context.Publish(new ExcessCreditCheck(accountId, refundId), context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<RefundReversed> context)
    {
        var reversal = context.Message;
        await Book(reversal.RefundId, reversal.PaymentId, "refund", -reversal.Amount, ReversalRef(reversal.RefundId, reversal.ProviderRefundId),
            reversal.ReversedAt, $"Refund {reversal.ProviderRefundId} failed by the provider after it was paid", context.CancellationToken);
        var marked = await Execute("""
            update billing.excess_refund set status = 'failed', settled_at = now(), detail = left($2, 1000)
            where refund_id = $1 and status in ('pending', 'requested', 'refunded')
            """, context.CancellationToken, reversal.RefundId,
            $"paid, then failed by the provider ({reversal.Reason ?? "no reason given"}): the money came back, the credit is on the account again");
        logger.LogWarning("Refund {RefundId} of {PaymentId} reversed by the provider after it was paid; reversal booked{Excess}", reversal.RefundId,
            reversal.PaymentId, marked > 0 ? ", its excess is failed again" : "");
    }

    public async Task Consume(ConsumeContext<RefundResolvedByHand> context)
    {
        var resolved = context.Message;
        if (resolved.PaidElsewhere)
        {
            if (await Book(resolved.RefundId, resolved.PaymentId, "refund", resolved.Amount, PaidElsewhereRef(resolved.RefundId), resolved.ResolvedAt,
                    $"Refunded another way (resolved by {resolved.ResolvedBy})", context.CancellationToken) > 0)
                await CheckCredit(context, resolved.RefundId, resolved.PaymentId);
            await Settle(resolved.RefundId, "refunded", $"paid elsewhere; resolved by hand by {resolved.ResolvedBy}", ["pending", "requested", "failed", "rejected", "cancelling"],
                context.CancellationToken);
        }
        else
            await Settle(resolved.RefundId, "cancelled", $"resolved by hand by {resolved.ResolvedBy} without a payment: the credit stays on the account",
                ["pending", "requested", "failed", "rejected", "cancelling"], context.CancellationToken);
    }

    public Task Consume(ConsumeContext<RefundCancelled> context) =>
        Settle(context.Message.RefundId, "cancelled", $"cancelled by {context.Message.CancelledBy}: the credit stays on the account",
            ["pending", "requested", "failed", "rejected", "cancelling"], context.CancellationToken);

    public Task Consume(ConsumeContext<RefundFailed> context) =>
        Settle(context.Message.RefundId, "failed", $"{context.Message.Cause}: {context.Message.Message}", ["pending", "requested"],
            context.CancellationToken);

    // A request refused because a reversal cancelled its excess (still on its way then) settles the cancel.
    public async Task Consume(ConsumeContext<RefundRejected> context)
    {
        var rejected = context.Message;
        await Settle(rejected.RefundId, "rejected", $"{rejected.Code}: {rejected.Detail}", ["pending", "requested"], context.CancellationToken);
        if (rejected.Code == RefundRejections.ExcessRefundCancelled)
            await Settle(rejected.RefundId, "cancelled", $"{rejected.Code}: {rejected.Detail}", ["cancelling"], context.CancellationToken);
    }

    // After the reconciler's attempt failed too: still failed, now with support's cause.
    public Task Consume(ConsumeContext<RefundNeedsSupport> context) =>
        Settle(context.Message.RefundId, "failed", $"needs support: {context.Message.Cause}: {context.Message.Message}",
            ["pending", "requested", "failed"], context.CancellationToken);

    /// <summary>
    /// An entry on the account of the repayment <paramref name="paymentId"/>, once per reference; 0 for an unknown payment.
    /// Under the payment's lock, which repayment intake and a move take too: a repayment reported now commits first and is
    /// seen here, or reads this refund's state after it and books it itself (<see cref="RepaymentIntake"/>); a move
    /// commits first and this books on the account the payment went to, or sees this entry and refuses.
    /// </summary>
    async Task<int> Book(Guid refundId, string paymentId, string kind, decimal amount, string externalRef, DateTimeOffset occurredAt, string what,
        CancellationToken cancellationToken)
    {
        await Execute("select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken, Refunds.Saga.RefundablePayments.PaymentLockSpace, paymentId);
        return await Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            select r.account_id, $2, $3, r.currency, $4, $5, now(), left($6 || ' (refund ' || $1 || ' of ' || r.gateway_payment_id || ')', 500)
            from billing.repayment r where r.gateway_payment_id = $7
            on conflict (external_ref) do nothing
            """, cancellationToken, refundId.ToString(), kind, amount, externalRef, occurredAt.ToUniversalTime(), what, paymentId);
    }

    /// <summary>The excess's status, only from <paramref name="from"/>: a settled outcome is never undone by a stale one.</summary>
    async Task Settle(Guid refundId, string status, string detail, string[] from, CancellationToken cancellationToken)
    {
        var marked = await Execute("""
            update billing.excess_refund set status = $2, detail = left($3, 1000), settled_at = now()
            where refund_id = $1 and status = any($4)
            """, cancellationToken, refundId, status, detail, from);
        if (marked > 0)
            logger.LogWarning("Excess refund {RefundId} {Status}: {Detail}", refundId, status, detail);
    }

    async Task<int> Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = await db.CreateCommandAsync(sql, cancellationToken);
        command.Parameters.AddPositional(values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Billing.Infrastructure.Postgres;
using Billing.Contracts.Refunds;
using MassTransit;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// The part of a repayment that left its account overpaid, refunded once through the refund saga. Reserved in the
/// repayment's transaction; the RequestRefund goes out after the commit, and again from the sweep if that send was
/// lost. The refund id comes from the repayment's key, so however often it is sent the saga makes one refund.
/// </summary>
public static class ExcessRefunds
{
    public const string Reason = "overpayment";
    public const string RequestedBy = "billing";

    /// <summary>
    /// Reserves the excess when the account is in credit after this repayment: credit is what the passbook owes the
    /// holder less the excesses already reserved and not paid out (a failed or rejected refund's credit stays on the
    /// account, visibly, and is not reserved again), and the excess is at most what is left of this repayment after the
    /// refunds others asked for, which is all the refund saga will return to the payment. An excess's reservation belongs to the account its payment is on now (a moved payment's excess
    /// still being cancelled may yet be paid, and is then booked there). Runs under the account's lock, so a concurrent
    /// repayment sees this one.
    /// </summary>
    public static Task<ExcessRefundView?> Reserve(NpgsqlConnection connection, NpgsqlTransaction transaction, RepaymentReport report,
        CancellationToken cancellationToken) =>
        Reserve(connection, transaction, report.AccountId, report.GatewayPaymentId, report.Amount, report.Currency, report.Method, 0,
            cancellationToken);

    public static async Task<ExcessRefundView?> Reserve(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId,
        string gatewayPaymentId, decimal amount, string currency, string method, int moveNo, CancellationToken cancellationToken)
    {
        var refundId = RefundIds.FromIdempotencyKey(RepaymentReport.ExcessRefundKey(gatewayPaymentId, moveNo));
        await using var command = new NpgsqlCommand("""
            with credit as (
                select - coalesce((select sum(amount) from billing.passbook_entry where account_id = $3), 0)
                       - coalesce((select sum(x.amount) from billing.excess_refund x
                                   join billing.repayment r on r.gateway_payment_id = x.gateway_payment_id
                                   where r.account_id = $3 and x.gateway_payment_id <> $2
                                     and x.status in ('pending', 'requested', 'failed', 'rejected', 'cancelling')), 0) as amount),
            -- An earlier excess of this payment (a moved one's, being cancelled) is not counted here: this one waits
            -- until that one is settled (ExcessRefundSweep), and is cancelled if it was paid after all.
            payment_left as (
                select $4 - coalesce((select sum(f.amount) from refunds.refund f where f.payment_id = $2 and f.counts_against_payment
                                        and f.correlation_id not in (select refund_id from billing.excess_refund where gateway_payment_id = $2)), 0)
                          - coalesce((select reversed from refunds.payment where payment_id = $2), 0) as amount)
            insert into billing.excess_refund (refund_id, gateway_payment_id, account_id, amount, currency, method, status, move_no)
            select $1, $2, $3, least(credit.amount, payment_left.amount), $5, $6, 'pending', $7 from credit, payment_left
            where credit.amount > 0 and payment_left.amount > 0
            returning amount
            """, connection, transaction);
        command.Parameters.AddPositional(refundId, gatewayPaymentId, accountId, amount, currency, method, moveNo);
        return await command.ExecuteScalarAsync(cancellationToken) is decimal reserved
            ? new ExcessRefundView(refundId, gatewayPaymentId, PassbookMoney.Normalize(reserved, currency), "pending", null)
            : null;
    }

    /// <summary>
    /// After a reversal, and before a new repayment is counted: the unpaid excess refunds of the account that its credit
    /// no longer covers, newest first, are cancelled, and so is any whose own payment no longer covers it (an older excess
    /// the credit still covers, on a payment that was taken back). Cancelled at once when nothing of it can be paid any
    /// more: a rejected one (no refund exists) and a failed one whose refund is at rest, waiting for support or the
    /// reconciler (the saga decides those under the payment's lock this holds, and refuses them once this commits:
    /// <c>RefundIntake.CancelledByBilling</c>). The others, on their way or at the provider, become 'cancelling', and
    /// stay reserved until the saga answers. The ids returned are to be sent <see cref="CancelRefund"/> after the commit
    /// (the sweep repeats it for those cancelling). The refund saga refuses a request for an excess that is cancelling or
    /// cancelled, so one still on its way is never paid; one already at the provider may still be paid, and is then
    /// booked like any refund.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> ReleaseShortfall(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId,
        string detail, CancellationToken cancellationToken)
    {
        // The refund saga decides a refund of a payment under that payment's lock: taking the lock of each unpaid excess's
        // payment (in order; the account's lock is held, so no other reversal takes them too) means a request the saga is
        // deciding now is decided before this reads, and one it decides later sees the excess cancelling. (A rejected one
        // has no refund to lock.) Counts the reserved excesses too: every repayment asks, and most accounts have none.
        await using (var lockPayments = new NpgsqlCommand("""
            select count(*), count(case when p.status <> 'rejected' then pg_advisory_xact_lock($2, hashtext(p.gateway_payment_id))::text end) from (
                select gateway_payment_id, status from billing.excess_refund
                where account_id = $1 and status in ('pending', 'requested', 'failed', 'rejected') order by gateway_payment_id) p
            """, connection, transaction))
        {
            lockPayments.Parameters.AddPositional(accountId, Refunds.Saga.RefundablePayments.PaymentLockSpace);
            if ((long)(await lockPayments.ExecuteScalarAsync(cancellationToken))! == 0)
                return [];
        }

        // Credit less what excesses already cancelling may yet pay (one at the provider cannot be stopped).
        await using var command = new NpgsqlCommand("""
            with credit as (
                select greatest(0, - coalesce((select sum(amount) from billing.passbook_entry where account_id = $1), 0)
                                   - coalesce((select sum(x.amount) from billing.excess_refund x
                                               join billing.repayment r on r.gateway_payment_id = x.gateway_payment_id
                                               where r.account_id = $1 and x.status = 'cancelling'), 0)) as amount),
            reserved as (
                select e.refund_id, e.status, sum(e.amount) over (order by e.created_at, e.refund_id) as through,
                       -- More than what is left of its own payment (taken back, or refunded by others): the credit may
                       -- still cover it, but the payment cannot, and a support retry would refund money the gateway took.
                       e.amount > p.amount - p.reversed - coalesce((select sum(r.amount) from refunds.refund r
                           where r.payment_id = e.gateway_payment_id and r.counts_against_payment and r.correlation_id <> e.refund_id), 0)
                           as beyond_payment,
                       e.status = 'rejected' or (e.status = 'failed' and f.current_state in ('Failed', 'NeedsSupport')) as at_rest
                from billing.excess_refund e left join refunds.payment p on p.payment_id = e.gateway_payment_id
                     left join refunds.refund f on f.correlation_id = e.refund_id
                where e.account_id = $1 and e.status in ('pending', 'requested', 'failed', 'rejected'))
            update billing.excess_refund x
            set status = case when reserved.at_rest then 'cancelled' else 'cancelling' end,
                detail = left($2, 1000), requested_at = now(),
                settled_at = case when reserved.at_rest then now() end
            from reserved, credit
            -- The status again: an outcome that settled the row since this statement began (its consumer takes no
            -- account lock) is not overwritten.
            where x.refund_id = reserved.refund_id and x.status = reserved.status
              and (reserved.through > credit.amount or reserved.beyond_payment is true)
            -- The saga hears of every one it holds (a rejected one it never held): a failed one closes there too.
            returning x.refund_id, reserved.status <> 'rejected'
            """, connection, transaction);
        command.Parameters.AddPositional(accountId, detail);
        return await ToCancel(command, cancellationToken);
    }

    /// <summary>The ids an update returning (refund_id, tell the saga) stopped that the saga is to be told to cancel.</summary>
    internal static async Task<IReadOnlyList<Guid>> ToCancel(NpgsqlCommand update, CancellationToken cancellationToken)
    {
        var cancelling = new List<Guid>();
        await using var reader = await update.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            if (reader.GetBoolean(1))
                cancelling.Add(reader.GetGuid(0));
        return cancelling;
    }

    public static CancelRefund Cancel(Guid refundId, DateTimeOffset at,
        string reason = "the repayment was taken back; the account's credit no longer covers this refund") =>
        new(refundId, RequestedBy, reason, at);

    public static RequestRefund Request(string gatewayPaymentId, decimal amount, string currency, string method, int moveNo = 0) =>
        RequestRefund.Create(RepaymentReport.ExcessRefundKey(gatewayPaymentId, moveNo), gatewayPaymentId, amount, currency, method,
            Reason, RequestedBy);

    /// <summary>
    /// Published, not sent as a request: the saga's decision comes back as its outcome events, which the worker books.
    /// The API's bus has no outbox, which is why a lost publish is left to the sweep rather than to MassTransit.
    /// </summary>
    public static Task Publish(IPublishEndpoint publish, RequestRefund request, CancellationToken cancellationToken) =>
        publish.Publish(request, cancellationToken);

    /// <summary>After a send: the sweep then waits its full interval before sending again. Never undoes a settled outcome.</summary>
    public static async Task MarkRequested(NpgsqlDataSource dataSource, Guid refundId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update billing.excess_refund set status = 'requested', requested_at = now()
            where refund_id = $1 and status in ('pending', 'requested')
            """);
        command.Parameters.Add(new() { Value = refundId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

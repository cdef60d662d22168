using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// Sends again the RequestRefund of an excess refund the refund saga has not heard of for a while (the API crashed
/// between its commit and its publish, or the broker was away): no refund row and no rejection under its id. Runs in
/// every worker; each claims its rows with SKIP LOCKED and moves their requested_at on before sending, so workers
/// split the rows and a sent row waits <see cref="PassbookOptions.ResendAfter"/> before it is looked at again. A row
/// sent twice all the same is harmless: the saga answers the same refund id with the same refund. It also sees an excess
/// a reversal is cancelling through: one the saga never heard of is cancelled here (a request still on its way is refused
/// by the saga), and the saga is told again to cancel the others until it has (it cancels only a refund that is not in
/// flight at the provider).
/// </summary>
public sealed class ExcessRefundSweep(NpgsqlDataSource dataSource, IBus bus, IOptions<PassbookOptions> options,
    ILogger<ExcessRefundSweep> logger) : BackgroundService
{
    const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        do
        {
            try
            {
                await SweepOnce(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Excess refund sweep failed; trying again in {Interval}", options.Value.SweepInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    async Task SweepOnce(CancellationToken cancellationToken)
    {
        await ResendRequests(cancellationToken);
        await ResendCancels(cancellationToken);
    }

    async Task ResendCancels(CancellationToken cancellationToken)
    {
        await using var claim = dataSource.CreateCommand("""
            with due as (
                select x.refund_id, exists (select 1 from refunds.refund r where r.correlation_id = x.refund_id) as known
                from billing.excess_refund x
                where x.status = 'cancelling' and x.requested_at < now() - $1
                order by x.requested_at
                limit $2
                for update skip locked)
            update billing.excess_refund x
            set requested_at = now(),
                status = case when due.known then 'cancelling' else 'cancelled' end,
                settled_at = case when due.known then null else now() end
            from due where x.refund_id = due.refund_id
            returning x.refund_id, due.known
            """);
        claim.Parameters.Add(new() { Value = options.Value.ResendAfter });
        claim.Parameters.Add(new() { Value = BatchSize });

        var toCancel = new List<Guid>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (reader.GetBoolean(1))
                    toCancel.Add(reader.GetGuid(0));

        foreach (var refundId in toCancel)
            await bus.Publish(ExcessRefunds.Cancel(refundId, DateTimeOffset.UtcNow), cancellationToken);
    }

    /// <summary>
    /// A moved payment's excess on the wrong account that was paid after all (already at the provider when the move
    /// stopped it) gave the payer back what the right account's excess, still waiting, was for: that one is cancelled
    /// before it is ever sent, and the credit stays on the right account, visibly, for support.
    /// </summary>
    async Task CancelWaitingAfterPaid(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            update billing.excess_refund x
            set status = 'cancelled', settled_at = now(),
                detail = 'the excess of this payment on the account it was moved from was paid after all; what is left is on the account'
            where x.status = 'pending' and x.move_no > 0
              and exists (select 1 from billing.excess_refund o where o.gateway_payment_id = x.gateway_payment_id and o.move_no < x.move_no
                            and o.status = 'refunded')
              and not exists (select 1 from refunds.refund r where r.correlation_id = x.refund_id)
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    async Task ResendRequests(CancellationToken cancellationToken)
    {
        await CancelWaitingAfterPaid(cancellationToken);
        await using var claim = dataSource.CreateCommand("""
            with due as (
                select x.refund_id from billing.excess_refund x
                where x.status in ('pending', 'requested')
                  and coalesce(x.requested_at, x.created_at) < now() - $1
                  and not exists (select 1 from refunds.refund r where r.correlation_id = x.refund_id)
                  and not exists (select 1 from refunds.rejected_request j where j.refund_id = x.refund_id)
                  -- A moved payment's excess on its right account waits for the wrong account's to be settled.
                  and not exists (select 1 from billing.excess_refund o where o.gateway_payment_id = x.gateway_payment_id and o.move_no < x.move_no
                                    and o.status in ('pending', 'requested', 'failed', 'cancelling'))
                order by x.created_at
                limit $2
                for update skip locked)
            update billing.excess_refund x set status = 'requested', requested_at = now()
            from due where x.refund_id = due.refund_id
            returning x.refund_id, x.gateway_payment_id, x.amount, x.currency, x.method, x.move_no
            """);
        claim.Parameters.Add(new() { Value = options.Value.ResendAfter });
        claim.Parameters.Add(new() { Value = BatchSize });

        var due = new List<(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, int MoveNo)>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                due.Add((reader.GetGuid(0), reader.GetString(1), reader.GetDecimal(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5)));

        // Claimed and committed first, sent after: no transaction is open while the broker is waited for.
        foreach (var excess in due)
        {
            logger.LogInformation("Excess refund {RefundId} of repayment {GatewayPaymentId} not seen by the refund saga; sending it again",
                excess.RefundId, excess.PaymentId);
            await ExcessRefunds.Publish(bus, ExcessRefunds.Request(excess.PaymentId, PassbookMoney.Normalize(excess.Amount, excess.Currency),
                excess.Currency, excess.Method, excess.MoveNo), cancellationToken);
        }
    }
}

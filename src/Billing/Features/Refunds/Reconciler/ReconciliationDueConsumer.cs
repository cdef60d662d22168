using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Reconciler;

/// <summary>
/// Starts a reconciler run: records it with every refund that is Failed right now, and every refund stuck in flight
/// (see <see cref="RefundOptions.StuckAfter"/>), and asks each refund's saga for one more attempt. All in one transaction with the outbox, so a run starts whole or not at all, and a
/// repeated ReconciliationDue (same run id) starts nothing.
/// </summary>
public sealed class ReconciliationDueConsumer(BillingDbContext db, TimeProvider clock, IOptions<RefundOptions> options,
    ILogger<ReconciliationDueConsumer> logger)
    : IConsumer<ReconciliationDue>
{
    public async Task Consume(ConsumeContext<ReconciliationDue> context)
    {
        var run = context.Message;
        var ct = context.CancellationToken;

        await using (var start = await db.CreateCommandAsync("""
            insert into refunds.reconciler_run (run_id, trigger, due_at, started_at, expected) values ($1, $2, $3, $4, 0)
            on conflict (run_id) do nothing
            """, ct))
        {
            start.Parameters.Add(new() { Value = run.RunId });
            start.Parameters.Add(new() { Value = run.Trigger.Length > 200 ? run.Trigger[..200] : run.Trigger });
            start.Parameters.Add(new() { Value = run.DueAt });
            start.Parameters.Add(new() { Value = clock.GetUtcNow() });
            if (await start.ExecuteNonQueryAsync(ct) == 0)
                return;
        }

        var refundIds = new List<Guid>();
        await using (var items = await db.CreateCommandAsync("""
            insert into refunds.reconciler_run_item (run_id, refund_id)
            select $1, correlation_id from refunds.refund
            where current_state = 'Failed'
               or (current_state in ('Attempting', 'Reconciling', 'RetryingManually') and updated_at < $2)
               or (current_state = 'Retrying' and coalesce(next_attempt_at, updated_at) < $2)
            returning refund_id
            """, ct))
        {
            items.Parameters.Add(new() { Value = run.RunId });
            items.Parameters.Add(new() { Value = clock.GetUtcNow() - options.Value.StuckAfter });
            await using var reader = await items.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                refundIds.Add(reader.GetGuid(0));
        }

        await using (var expected = await db.CreateCommandAsync(
            "update refunds.reconciler_run set expected = $2, completed_at = case when $2 = 0 then $3 end where run_id = $1", ct))
        {
            expected.Parameters.Add(new() { Value = run.RunId });
            expected.Parameters.Add(new() { Value = refundIds.Count });
            expected.Parameters.Add(new() { Value = clock.GetUtcNow() });
            await expected.ExecuteNonQueryAsync(ct);
        }

        foreach (var refundId in refundIds)
            await context.Publish(new ReconcileRefund(run.RunId, refundId), ct);
        logger.LogInformation("Reconciler run {RunId} ({Trigger}) gives {Count} failed refund(s) one more attempt", run.RunId, run.Trigger, refundIds.Count);
    }
}

using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;
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

        var now = clock.GetUtcNow();
        var trigger = run.Trigger.Length > 200 ? run.Trigger[..200] : run.Trigger;
        if (await db.Database.ExecuteSqlAsync($"""
                insert into refunds.reconciler_run (run_id, trigger, due_at, started_at, expected) values ({run.RunId}, {trigger}, {run.DueAt}, {now}, 0)
                on conflict (run_id) do nothing
                """, ct) == 0)
            return;

        var stuckBefore = now - options.Value.StuckAfter;
        var refundIds = await db.Database.SqlQuery<Guid>($"""
            insert into refunds.reconciler_run_item (run_id, refund_id)
            select {run.RunId}, correlation_id from refunds.refund
            where (current_state = 'Failed' and not {run.StuckOnly})
               or (current_state in ('Attempting', 'Reconciling', 'RetryingManually') and updated_at < {stuckBefore})
               or (current_state in ('Retrying', 'Resolving') and coalesce(next_attempt_at, updated_at) < {stuckBefore})
            returning refund_id as "Value"
            """).ToListAsync(ct);

        await db.Database.ExecuteSqlAsync($"""
            update refunds.reconciler_run set expected = {refundIds.Count}, completed_at = case when {refundIds.Count} = 0 then {now} end
            where run_id = {run.RunId}
            """, ct);

        foreach (var refundId in refundIds)
            await context.Publish(new ReconcileRefund(run.RunId, refundId), ct);
        logger.LogInformation("Reconciler run {RunId} ({Trigger}) gives {Count} failed or stuck refund(s) one more attempt", run.RunId, run.Trigger, refundIds.Count);
    }
}

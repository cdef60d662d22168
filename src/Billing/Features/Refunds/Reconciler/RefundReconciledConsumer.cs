using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Reconciler;

/// <summary>The last refund of a run to answer closes it; if any refund now needs support, support is mailed once.</summary>
public record ReconcilerRunCompleted(Guid RunId, int NeedsSupport);

/// <summary>
/// Counts a run's answers. The run row is locked first, so answers arriving together are counted one at a time
/// and exactly one of them sees the run complete; an answer already counted changes nothing.
/// </summary>
public sealed class RefundReconciledConsumer(BillingDbContext db, TimeProvider clock) : IConsumer<RefundReconciled>
{
    public async Task Consume(ConsumeContext<RefundReconciled> context)
    {
        var answer = context.Message;
        var ct = context.CancellationToken;

        var run = await db.Database.SqlQuery<int>($"select 1 as \"Value\" from refunds.reconciler_run where run_id = {answer.RunId} for update")
            .ToListAsync(ct);
        if (run.Count == 0)
            return;

        if (await db.Database.ExecuteSqlAsync($"""
                update refunds.reconciler_run_item set outcome = {answer.Outcome}
                where run_id = {answer.RunId} and refund_id = {answer.RefundId} and outcome is null
                """, ct) == 0)
            return;

        var counted = await db.Database.SqlQuery<RunCount>($"""
            update refunds.reconciler_run set
                refunded = refunded + case when {answer.Outcome} = 'refunded' then 1 else 0 end,
                needs_support = needs_support + case when {answer.Outcome} = 'needs_support' then 1 else 0 end,
                skipped = skipped + case when {answer.Outcome} in ('refunded', 'needs_support') then 0 else 1 end,
                completed_at = case when refunded + needs_support + skipped + 1 = expected then {clock.GetUtcNow()} end
            where run_id = {answer.RunId}
            returning completed_at is not null as "Completed", needs_support as "NeedsSupport"
            """).ToListAsync(ct);
        var (completed, needsSupport) = (counted[0].Completed, counted[0].NeedsSupport);

        if (completed && needsSupport > 0)
            await context.Publish(new ReconcilerRunCompleted(answer.RunId, needsSupport), ct);
    }
}

/// <summary>A run's counts right after an answer was added: whether it completed, and how many need support.</summary>
public sealed record RunCount(bool Completed, int NeedsSupport);

using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;

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

        await using (var lockRun = await db.CreateCommandAsync("select 1 from refunds.reconciler_run where run_id = $1 for update", ct))
        {
            lockRun.Parameters.Add(new() { Value = answer.RunId });
            if (await lockRun.ExecuteScalarAsync(ct) is null)
                return;
        }

        await using (var item = await db.CreateCommandAsync(
            "update refunds.reconciler_run_item set outcome = $3 where run_id = $1 and refund_id = $2 and outcome is null", ct))
        {
            item.Parameters.Add(new() { Value = answer.RunId });
            item.Parameters.Add(new() { Value = answer.RefundId });
            item.Parameters.Add(new() { Value = answer.Outcome });
            if (await item.ExecuteNonQueryAsync(ct) == 0)
                return;
        }

        var column = answer.Outcome switch
        {
            ReconcileOutcomes.Refunded => "refunded",
            ReconcileOutcomes.NeedsSupport => "needs_support",
            _ => "skipped",
        };
        await using var count = await db.CreateCommandAsync($"""
            update refunds.reconciler_run set {column} = {column} + 1,
                completed_at = case when refunded + needs_support + skipped + 1 = expected then $2 end
            where run_id = $1
            returning completed_at is not null, needs_support
            """, ct);
        count.Parameters.Add(new() { Value = answer.RunId });
        count.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await using var reader = await count.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (completed, needsSupport) = (reader.GetBoolean(0), reader.GetInt32(1));
        await reader.CloseAsync();

        if (completed && needsSupport > 0)
            await context.Publish(new ReconcilerRunCompleted(answer.RunId, needsSupport), ct);
    }
}

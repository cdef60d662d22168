using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Messaging.Outbox;

public sealed class InboxOptions
{
    /// <summary>How long a delivered inbox row is kept to recognise a redelivered duplicate.</summary>
    public TimeSpan DuplicateDetectionWindow { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>MassTransit's outbox option; sending is the delivery service's (OutboxDeliveryOptions), so it only has to be positive.</summary>
    public int MessageDeliveryLimit { get; set; } = 100;
}

/// <summary>
/// Deletes inbox rows delivered longer ago than the duplicate-detection window, and the scheduler's tombstones of the
/// same age (a duplicate ScheduleMessage later than that is not expected), in small batches so it never holds long
/// locks. Idempotent, so every instance may run it.
/// </summary>
public sealed class InboxCleanupService<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    ILogger<InboxCleanupService<TDbContext>> logger)
    : PeriodicBusWork(null, clock, logger)
    where TDbContext : DbContext
{
    const int BatchSize = 5000;

    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override async Task<bool> RunRound(CancellationToken cancellationToken)
    {
        var removed = await RemoveExpired(cancellationToken);
        if (removed > 0)
            logger.LogInformation("Removed {Count} expired inbox rows", removed);
        var tombstones = await RemoveExpiredTombstones(cancellationToken);
        if (tombstones > 0)
            logger.LogInformation("Removed {Count} expired schedule tombstones", tombstones);
        return false;
    }

    public Task<int> RemoveExpired(CancellationToken cancellationToken) =>
        DeleteInBatches("""
            delete from messaging.inbox_state where ctid in (
                select ctid from messaging.inbox_state where delivered < now() - {0} limit {1})
            """, options.Value.DuplicateDetectionWindow, cancellationToken);

    /// <summary>Tombstones of fired or cancelled schedule tokens older than the window, by the database's clock.</summary>
    public Task<int> RemoveExpiredTombstones(CancellationToken cancellationToken) =>
        DeleteInBatches("""
            delete from messaging.schedule_tombstone where token_id in (
                select token_id from messaging.schedule_tombstone where at < now() - {0} limit {1})
            """, options.Value.DuplicateDetectionWindow, cancellationToken);

    /// <summary>Runs a delete of at most BatchSize rows ({0}: its cutoff, {1}: the batch size) until it removes fewer.</summary>
    async Task<int> DeleteInBatches(string sql, object cutoff, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var dbContext = scope.ServiceProvider.GetRequiredService<TDbContext>();
            var removed = await dbContext.Database.ExecuteSqlRawAsync(sql, [cutoff, BatchSize], cancellationToken);
            total += removed;
            if (removed < BatchSize)
                return total;
        }
    }
}

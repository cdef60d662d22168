using System.Data;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Sends what a consumer committed but never delivered when its inbound message will not come back to finish
/// the job: it went to the error queue, was purged, or expired. Normally the broker redelivers the inbound
/// message and its next pass delivers; this is the safety net. Each inbox row is claimed with
/// FOR UPDATE SKIP LOCKED, the same lock the outbox pass takes, so several instances and a concurrent
/// redelivery never deliver the same row twice at once.
/// </summary>
public sealed class OutboxSweeper<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IBusControl bus,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxSweeper<TDbContext>> logger)
    : PeriodicBusWork(bus, clock, logger)
    where TDbContext : DbContext
{
    const string ClaimOrphansSql = """
        select * from messaging.inbox_state
        where consumed is not null and delivered is null and consumed < {0}
        order by consumed
        limit {1}
        for update skip locked
        """;

    const int BatchSize = 50;

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override async Task<bool> RunRound(CancellationToken cancellationToken)
    {
        var delivered = await SweepOnce(cancellationToken);
        if (delivered > 0)
            logger.LogWarning("Delivered the outbox of {Count} consumed messages whose own redelivery never finished it", delivered);
        return delivered == BatchSize;
    }

    /// <summary>Delivers the outbox of up to 50 abandoned inbox rows; returns how many rows it completed.</summary>
    public async Task<int> SweepOnce(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var dbContext = scope.ServiceProvider.GetRequiredService<TDbContext>();
        dbContext.Database.AutoSavepointsEnabled = false;

        await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var cutoff = Clock.GetUtcNow().UtcDateTime - options.Value.SweepAfter;
        var orphans = await dbContext.Set<InboxState>().FromSqlRaw(ClaimOrphansSql, cutoff, BatchSize).ToListAsync(cancellationToken);

        foreach (var inbox in orphans)
        {
            var messages = await dbContext.UnsentOutboxMessagesOf(inbox).ToListAsync(cancellationToken);

            foreach (var message in messages)
            {
                var endpoint = await Bus.GetSendEndpoint(message.DestinationAddress!);
                await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, message.DestinationAddress), cancellationToken);
                inbox.LastSequenceNumber = message.SequenceNumber;
            }

            inbox.Delivered = Clock.GetUtcNow().UtcDateTime;
            await dbContext.OutboxMessagesOf(inbox).ExecuteDeleteAsync(cancellationToken);
        }

        await dbContext.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return orphans.Count;
    }
}

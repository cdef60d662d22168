using System.Data;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Messaging.Scheduling;

/// <summary>
/// Sends scheduled messages when they fall due. Each batch is claimed with FOR UPDATE SKIP LOCKED, sent,
/// and deleted in one transaction, so with several instances running each message is sent by one of them;
/// a crash before the commit leaves the rows in place to be sent again (at least once, same MessageId,
/// which the receiver's inbox recognises). A row that cannot be sent stays, due again after a growing wait, and
/// the batch is committed without it: one bad row neither blocks the rows after it nor re-sends those before it.
/// </summary>
public sealed class ScheduledMessageDispatcher<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IBusControl bus,
    IOptions<SchedulerOptions> options,
    TimeProvider clock,
    ILogger<ScheduledMessageDispatcher<TDbContext>> logger)
    : PeriodicBusWork(bus, clock, logger)
    where TDbContext : DbContext
{
    const string ClaimDueSql = """
        select * from messaging.scheduled_message
        where due_at <= {0}
        order by due_at
        limit {1}
        for update skip locked
        """;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override async Task<bool> RunRound(CancellationToken cancellationToken) =>
        await DispatchDue(cancellationToken) == options.Value.BatchSize;

    /// <summary>Sends one batch of due messages; returns how many.</summary>
    public async Task<int> DispatchDue(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var dbContext = scope.ServiceProvider.GetRequiredService<TDbContext>();

        await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var due = await dbContext.Set<ScheduledMessage>()
            .FromSqlRaw(ClaimDueSql, Clock.GetUtcNow().UtcDateTime, options.Value.BatchSize)
            .AsNoTracking()
            .ToListAsync(cancellationToken);

        if (due.Count == 0)
            return 0;

        var sent = new List<Guid>();
        foreach (var message in due)
        {
            try
            {
                var endpoint = await Bus.GetSendEndpoint(message.DestinationAddress!);
                await endpoint.Send(new SerializedMessageBody(), new ScheduledMessageSendPipe(message), cancellationToken);
                sent.Add(message.TokenId);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                await PutOff(dbContext, message, exception, cancellationToken);
            }
        }

        await dbContext.Set<ScheduledMessage>().Where(x => sent.Contains(x.TokenId)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        logger.LogDebug("Sent {Count} scheduled messages", sent.Count);
        return due.Count;
    }

    /// <summary>Waits 1, 2, 4 … seconds, at most 10 minutes, before the row is tried again.</summary>
    public static TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(failedAttempts, 20)), TimeSpan.FromMinutes(10).TotalSeconds));

    async Task PutOff(TDbContext dbContext, ScheduledMessage message, Exception exception, CancellationToken cancellationToken)
    {
        var attempts = message.SendAttempts + 1;
        var next = Clock.GetUtcNow().UtcDateTime + RetryDelay(message.SendAttempts);
        var reason = $"{exception.GetType().Name}: {exception.Message}";
        await dbContext.Set<ScheduledMessage>().Where(x => x.TokenId == message.TokenId).ExecuteUpdateAsync(row => row
            .SetProperty(x => x.DueAt, next)
            .SetProperty(x => x.SendAttempts, attempts)
            .SetProperty(x => x.LastError, reason), cancellationToken);
        // The reason without a stack trace: a bad address or body is a fact about the row, not a crash of ours.
        logger.LogWarning("Scheduled message {TokenId} to {Destination} could not be sent (attempt {Attempt}); next try at {Next:u}: {Reason}",
            message.TokenId, message.DestinationAddress, attempts, next, reason);
    }

    /// <summary>
    /// MassTransit's outbox send pipe restores the body, ids and MT- headers; a scheduled message also keeps
    /// every other header it was scheduled with, and carries its token so a saga can tell a stale timeout.
    /// </summary>
    sealed class ScheduledMessageSendPipe(ScheduledMessage message) : IPipe<SendContext>
    {
        public async Task Send(SendContext context)
        {
            await new OutboxMessageSendPipe(message, message.DestinationAddress).Send(context);

            foreach (var header in ((MessageContext)message).Headers.GetAll())
                context.Headers.Set(header.Key, header.Value);
            context.Headers.Set(MessageHeaders.SchedulingTokenId, message.TokenId.ToString("N"));
        }

        public void Probe(ProbeContext context)
        {
        }
    }
}

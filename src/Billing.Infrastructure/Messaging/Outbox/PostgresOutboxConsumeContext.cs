using MassTransit;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// One pass of MassTransit's <see cref="OutboxMessagePipe{TMessage}"/> over a locked inbox row.
/// What the consumer publishes or sends becomes <see cref="OutboxMessage"/> rows in the consumer's own
/// transaction; the pass after the commit sends them and removes them.
/// </summary>
sealed class PostgresOutboxConsumeContext<TMessage, TDbContext>(
    ConsumeContext<TMessage> context,
    OutboxConsumeOptions options,
    IServiceProvider provider,
    TDbContext dbContext,
    InboxState inbox,
    OutboxDeliveryProgress progress,
    TimeProvider clock)
    : OutboxConsumeContextProxy<TMessage>(context, options, provider)
    where TMessage : class
    where TDbContext : DbContext
{
    public override bool ContinueProcessing { get; set; } = true;
    public override bool IsMessageConsumed => inbox.Consumed.HasValue;
    public override bool IsOutboxDelivered => inbox.Delivered.HasValue;
    public override int ReceiveCount => inbox.ReceiveCount;
    public override long? LastSequenceNumber => inbox.LastSequenceNumber;

    DateTime Now => clock.GetUtcNow().UtcDateTime;

    public override async Task SetConsumed()
    {
        inbox.Consumed = Now;
        progress.Produced ??= [];

        // Nothing to send: delivered as of this commit, which spares the delivery pass its own transaction.
        if (progress.Produced.Count == 0)
        {
            inbox.Delivered = inbox.Consumed;
            progress.Removed = true;
        }

        // One flush for everything the consumer changed: saga row, its own entities, the outgoing messages.
        await dbContext.SaveChangesAsync(CancellationToken);
    }

    public override Task SetDelivered()
    {
        inbox.Delivered = Now;
        return RemoveOutboxMessages();
    }

    public override async Task<List<OutboxMessageContext>> LoadOutboxMessages()
    {
        var after = LastSequenceNumber ?? 0;

        // Produced in this process a pass ago: no need to read back what we just wrote.
        if (progress.Produced is { } produced)
            return produced.Where(x => x.SequenceNumber > after).OrderBy(x => x.SequenceNumber).Take(Options.MessageDeliveryLimit + 1).Cast<OutboxMessageContext>().ToList();

        var stored = await dbContext.UnsentOutboxMessagesOf(inbox).Take(Options.MessageDeliveryLimit + 1).ToListAsync(CancellationToken);

        return stored.Cast<OutboxMessageContext>().ToList();
    }

    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message)
    {
        inbox.LastSequenceNumber = message.SequenceNumber;
        return Task.CompletedTask;
    }

    public override async Task RemoveOutboxMessages()
    {
        if (progress.Removed)
            return;

        if (progress.Produced is not { Count: 0 })
        {
            await dbContext.OutboxMessagesOf(inbox).ExecuteDeleteAsync(CancellationToken);
        }

        progress.Removed = true;
    }

    public override Task AddSend<T>(SendContext<T> context)
    {
        var message = OutboxMessage.From(context, inbox.MessageId, inbox.ConsumerId, Now);
        lock (progress)
        {
            (progress.Produced ??= []).Add(message);
            dbContext.Add(message);
        }

        return Task.CompletedTask;
    }
}

/// <summary>What the passes over one received message have learned, so later passes can skip database work.</summary>
sealed class OutboxDeliveryProgress
{
    /// <summary>Messages the consumer produced in this process (null when consumed elsewhere or before a restart).</summary>
    public List<OutboxMessage>? Produced { get; set; }

    public bool Removed { get; set; }
}

using MassTransit;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// MassTransit's <see cref="OutboxMessagePipe{TMessage}"/> over one inbox row. What the consumer publishes or sends
/// becomes outbox rows written with the consumer's commit; once consumed, the message counts as delivered as far as the
/// pipe is concerned, because sending those rows is the delivery service's job, not this message's.
/// </summary>
sealed class PostgresOutboxConsumeContext<TMessage>(
    ConsumeContext<TMessage> context,
    OutboxConsumeOptions options,
    IServiceProvider provider,
    InboxState inbox,
    bool rowExists,
    bool notifyOtherProcesses,
    ConsumeTransaction transaction)
    : OutboxConsumeContextProxy<TMessage>(context, options, provider)
    where TMessage : class
{
    readonly List<OutboxMessage> _produced = [];

    public override bool ContinueProcessing { get; set; } = true;
    public override bool IsMessageConsumed => inbox.Consumed.HasValue;
    public override bool IsOutboxDelivered => inbox.Consumed.HasValue;
    public override int ReceiveCount => inbox.ReceiveCount;
    public override long? LastSequenceNumber => null;

    /// <summary>The consumer ran in this attempt (not a duplicate).</summary>
    public bool ConsumedHere { get; private set; }

    public int ProducedCount => _produced.Count;

    public override Task SetConsumed()
    {
        inbox.Consumed = DateTime.UtcNow;
        ConsumedHere = true;

        // A plain insert when the row was not read first: a duplicate key then fails the commit, as it should.
        transaction.Write(rowExists ? InboxRows.MarkConsumed(inbox) : InboxRows.InsertConsumed(inbox));
        foreach (var message in _produced)
            transaction.Write(OutboxRows.Insert(message));
        if (_produced.Count > 0 && notifyOtherProcesses)
            transaction.Write(new NpgsqlBatchCommand(OutboxRows.NotifySql));

        return Task.CompletedTask;
    }

    public override Task SetDelivered() => Task.CompletedTask;

    public override Task<List<OutboxMessageContext>> LoadOutboxMessages() => Task.FromResult(new List<OutboxMessageContext>());

    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message) => Task.CompletedTask;

    public override Task RemoveOutboxMessages() => Task.CompletedTask;

    public override Task AddSend<T>(SendContext<T> context)
    {
        var message = OutboxMessage.From(context, inbox.MessageId, inbox.ConsumerId, DateTime.UtcNow);
        lock (_produced)
            _produced.Add(message);

        return Task.CompletedTask;
    }
}

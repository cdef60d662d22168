using MassTransit;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>A message a consumer or saga published or sent, held until its transaction has committed.</summary>
public class OutboxMessage : StoredMessage
{
    /// <summary>The consumed message that produced this one (the inbox row that owns it).</summary>
    public Guid InboxMessageId { get; set; }

    public Guid InboxConsumerId { get; set; }

    public static OutboxMessage From<T>(SendContext<T> context, Guid inboxMessageId, Guid inboxConsumerId, DateTime now)
        where T : class
    {
        var message = new OutboxMessage { InboxMessageId = inboxMessageId, InboxConsumerId = inboxConsumerId };
        message.CopyFrom(context, now);
        return message;
    }
}

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// One row per (message, consumer): whether the message was consumed (and, with it, what it produced
/// handed to the delivery service). The primary key is the duplicate detector; the row lock serialises redeliveries.
/// </summary>
public class InboxState
{
    public Guid MessageId { get; set; }
    public Guid ConsumerId { get; set; }
    public DateTime Received { get; set; }
    public int ReceiveCount { get; set; }
    public DateTime? Consumed { get; set; }
    public DateTime? Delivered { get; set; }
}

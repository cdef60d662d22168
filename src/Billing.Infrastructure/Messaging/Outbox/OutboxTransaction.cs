namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Scoped flag: the Postgres outbox has a transaction open for this message and will flush the DbContext when
/// the consumer is done, so the saga repository can leave its changes to that one flush.
/// </summary>
public sealed class OutboxTransaction
{
    public bool IsActive { get; internal set; }
}

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Told when a consumer's transaction committed and before its outgoing messages are sent: the window in
/// which only the outbox keeps those messages. Metrics and fault-injection tests hook in here.
/// </summary>
public interface IOutboxCommitObserver
{
    void ConsumeCommitted(Guid messageId, Guid consumerId, int producedCount);
}

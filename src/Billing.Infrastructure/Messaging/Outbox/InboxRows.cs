using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// The inbox row's writes at the consumer's commit. Delivered is set with Consumed: from then on the outgoing messages
/// are the delivery service's, and the row only has to recognise duplicates until the cleanup removes it.
/// </summary>
static class InboxRows
{
    public static NpgsqlBatchCommand InsertConsumed(InboxState inbox) => WithKey("""
        insert into messaging.inbox_state (message_id, consumer_id, received, receive_count, consumed, delivered)
        values ($1, $2, now(), 1, now(), now())
        """, inbox);

    public static NpgsqlBatchCommand MarkConsumed(InboxState inbox) => WithKey("""
        update messaging.inbox_state set consumed = now(), delivered = now() where message_id = $1 and consumer_id = $2
        """, inbox);

    static NpgsqlBatchCommand WithKey(string sql, InboxState inbox) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = inbox.MessageId },
            new NpgsqlParameter<Guid> { TypedValue = inbox.ConsumerId },
        },
    };
}

using Npgsql;
using NpgsqlTypes;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>The outbox table's SQL: rows written with a consumer's commit, read back by the delivery service.</summary>
static class OutboxRows
{
    /// <summary>The channel on which a commit that stored messages wakes the delivery service of every process.</summary>
    public const string Channel = "messaging_outbox";

    public const string NotifySql = $"notify {Channel}";

    /// <summary>Every stored column after sequence_number, in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = """
        inbox_message_id, inbox_consumer_id, message_id, conversation_id, correlation_id, initiator_id, request_id,
        source_address, destination_address, response_address, fault_address, sent_time, expiration_time, headers,
        properties, content_type, message_type, body
        """;

    static readonly string InsertSql =
        $"insert into messaging.outbox_message ({Columns}) values ({string.Join(", ", Enumerable.Range(1, 18).Select(i => $"${i}"))})";

    public static NpgsqlBatchCommand Insert(OutboxMessage m) => new(InsertSql)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid> { TypedValue = m.InboxMessageId },
            new NpgsqlParameter<Guid> { TypedValue = m.InboxConsumerId },
            new NpgsqlParameter<Guid> { TypedValue = m.MessageId },
            Nullable(m.ConversationId),
            Nullable(m.CorrelationId),
            Nullable(m.InitiatorId),
            Nullable(m.RequestId),
            Text(m.SourceAddress?.ToString()),
            Text(m.DestinationAddress?.ToString()),
            Text(m.ResponseAddress?.ToString()),
            Text(m.FaultAddress?.ToString()),
            new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(m.SentTime, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new NpgsqlParameter { Value = m.ExpirationTime is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            Text(m.Headers),
            Text(m.Properties),
            Text(m.ContentType),
            Text(m.MessageType),
            Text(m.Body),
        },
    };

    /// <summary>Reads one row selected as <c>sequence_number, {Columns}, send_attempts</c>.</summary>
    public static (OutboxMessage Message, int SendAttempts) Read(NpgsqlDataReader r)
    {
        var message = new OutboxMessage
        {
            SequenceNumber = r.GetInt64(0),
            InboxMessageId = r.GetGuid(1),
            InboxConsumerId = r.GetGuid(2),
            MessageId = r.GetGuid(3),
            ConversationId = r.IsDBNull(4) ? null : r.GetGuid(4),
            CorrelationId = r.IsDBNull(5) ? null : r.GetGuid(5),
            InitiatorId = r.IsDBNull(6) ? null : r.GetGuid(6),
            RequestId = r.IsDBNull(7) ? null : r.GetGuid(7),
            SourceAddress = Address(r, 8),
            DestinationAddress = Address(r, 9),
            ResponseAddress = Address(r, 10),
            FaultAddress = Address(r, 11),
            SentTime = r.GetDateTime(12),
            ExpirationTime = r.IsDBNull(13) ? null : r.GetDateTime(13),
            Headers = r.IsDBNull(14) ? null : r.GetString(14),
            Properties = r.IsDBNull(15) ? null : r.GetString(15),
            ContentType = r.GetString(16),
            MessageType = r.GetString(17),
            Body = r.GetString(18),
        };
        return (message, r.GetInt32(19));
    }

    static Uri? Address(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : new Uri(r.GetString(ordinal));

    static NpgsqlParameter Nullable(Guid? value) => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };

    static NpgsqlParameter Text(string? value) => new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Text };
}

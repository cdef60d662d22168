using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using MassTransit.Serialization;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Scheduling;

/// <summary>
/// Stores a ScheduleMessage command as a row keyed by its token, so scheduling the same token again replaces it.
/// Safe to receive twice: the second upsert writes the same row.
/// </summary>
public sealed class ScheduleMessageConsumer<TDbContext>(TDbContext dbContext) : IConsumer<ScheduleMessage>
    where TDbContext : DbContext
{
    const string UpsertSql = """
        insert into messaging.scheduled_message (token_id, due_at, message_id, conversation_id, correlation_id, initiator_id, request_id,
            source_address, destination_address, response_address, fault_address, sent_time, expiration_time, headers, properties,
            content_type, message_type, body)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
        on conflict (token_id) do update set due_at = excluded.due_at, message_id = excluded.message_id,
            conversation_id = excluded.conversation_id, correlation_id = excluded.correlation_id, initiator_id = excluded.initiator_id,
            request_id = excluded.request_id, source_address = excluded.source_address, destination_address = excluded.destination_address,
            response_address = excluded.response_address, fault_address = excluded.fault_address, sent_time = excluded.sent_time,
            expiration_time = excluded.expiration_time, headers = excluded.headers, properties = excluded.properties,
            content_type = excluded.content_type, message_type = excluded.message_type, body = excluded.body,
            send_attempts = 0, last_error = null
        """;

    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var command = context.Message;

        // The payload arrives as the scheduled message's own envelope; re-serialise it as a complete message body.
        var body = context.SerializerContext.GetMessageSerializer(command.Payload, command.PayloadType)
            .GetMessageBody(new MessageSendContext<ScheduleMessage>(command));

        // The sender put the scheduled message's ids and headers (MT-Redelivery-Count among them) on this envelope.
        var headers = context.Headers.GetAll().ToList();

        await using var upsert = await dbContext.CreateCommandAsync(UpsertSql, context.CancellationToken);
        upsert.Parameters.AddWithValue(command.CorrelationId);
        upsert.Parameters.AddWithValue(command.ScheduledTime.ToUniversalTime());
        upsert.Parameters.AddWithValue(context.MessageId ?? NewId.NextGuid());
        upsert.Parameters.Add(Nullable(context.ConversationId));
        upsert.Parameters.Add(Nullable(context.CorrelationId));
        upsert.Parameters.Add(Nullable(context.InitiatorId));
        upsert.Parameters.Add(Nullable(context.RequestId));
        upsert.Parameters.Add(Nullable(context.SourceAddress?.ToString()));
        upsert.Parameters.AddWithValue(command.Destination.ToString());
        upsert.Parameters.Add(Nullable(context.ResponseAddress?.ToString()));
        upsert.Parameters.Add(Nullable(context.FaultAddress?.ToString()));
        upsert.Parameters.AddWithValue(context.SentTime?.ToUniversalTime() ?? DateTime.UtcNow);
        upsert.Parameters.Add(Nullable(context.ExpirationTime?.ToUniversalTime()));
        upsert.Parameters.Add(Nullable(SystemTextJsonMessageSerializer.Instance.SerializeDictionary(headers)));
        upsert.Parameters.Add(Nullable<string>(null));
        upsert.Parameters.AddWithValue(context.ReceiveContext.ContentType.ToString());
        upsert.Parameters.AddWithValue(string.Join(";", command.PayloadType));
        upsert.Parameters.AddWithValue(body.GetString());
        await upsert.ExecuteNonQueryAsync(context.CancellationToken);
    }

    static NpgsqlParameter<T> Nullable<T>(T? value) => new() { TypedValue = value };

    static NpgsqlParameter<T?> Nullable<T>(T? value)
        where T : struct => new() { TypedValue = value };
}

/// <summary>Removes a scheduled message that has not fired yet (a saga's Unschedule, a superseded timeout).</summary>
public sealed class CancelScheduledMessageConsumer<TDbContext>(TDbContext dbContext) : IConsumer<CancelScheduledMessage>
    where TDbContext : DbContext
{
    public Task Consume(ConsumeContext<CancelScheduledMessage> context) =>
        dbContext.Set<ScheduledMessage>().Where(x => x.TokenId == context.Message.TokenId).ExecuteDeleteAsync(context.CancellationToken);
}

using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using MassTransit.Serialization;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Scheduling;

/// <summary>
/// Stores a ScheduleMessage command as a row keyed by its token, so scheduling the same token again replaces it.
/// Safe to receive twice: the second upsert writes the same row, and one that comes after the token fired or was
/// cancelled finds its tombstone and stores nothing.
/// </summary>
/// <remarks>
/// Tombstones assume a token is scheduled once. MassTransit 8.4.0 (read at tag v8.4.0) does so: every
/// IMessageScheduler.ScheduleSend (BaseScheduleMessageProvider) takes ScheduleTokenIdCache&lt;T&gt;.GetTokenId(message),
/// which is NewId.NextGuid() unless a token selector was registered with ScheduleTokenId.UseTokenId&lt;T&gt; (this service
/// registers none); scheduled redelivery (ScheduleMessageRedeliveryContext) calls ScheduleSend per redelivery, so each
/// gets a new token; a saga's Schedule (ScheduleActivity) always schedules with a new token, stores it on the instance
/// and then cancels the previous one, so a token is never scheduled again after it fired or was cancelled. A message
/// type given a token selector would break that: its second schedule within Inbox:DuplicateDetectionWindow is dropped.
/// Known gap: a duplicate that arrives while the dispatcher holds the row (sending it, before its commit) waits for the
/// lock, then finds neither row nor (in its older snapshot) tombstone and stores the row again.
/// </remarks>
public sealed class ScheduleMessageConsumer<TDbContext>(TDbContext dbContext, ILogger<ScheduleMessageConsumer<TDbContext>> logger)
    : IConsumer<ScheduleMessage>
    where TDbContext : DbContext
{
    // One statement, so no cancel or firing can slip in between the look at the tombstones and the write.
    const string UpsertSql = """
        insert into messaging.scheduled_message (token_id, due_at, message_id, conversation_id, correlation_id, initiator_id, request_id,
            source_address, destination_address, response_address, fault_address, sent_time, expiration_time, headers, properties,
            content_type, message_type, body)
        select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
        where not exists (select 1 from messaging.schedule_tombstone where token_id = $1)
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
        if (await upsert.ExecuteNonQueryAsync(context.CancellationToken) == 0)
            logger.LogInformation("Scheduled message {TokenId} already fired or was cancelled; this schedule of it is ignored", command.CorrelationId);
    }

    static NpgsqlParameter<T> Nullable<T>(T? value) => new() { TypedValue = value };

    static NpgsqlParameter<T?> Nullable<T>(T? value)
        where T : struct => new() { TypedValue = value };
}

/// <summary>
/// Removes a scheduled message that has not fired yet (a saga's Unschedule, a superseded timeout) and leaves a tombstone,
/// so a ScheduleMessage for the token that arrives after its cancel stores nothing.
/// </summary>
public sealed class CancelScheduledMessageConsumer<TDbContext>(TDbContext dbContext) : IConsumer<CancelScheduledMessage>
    where TDbContext : DbContext
{
    // A token that fired keeps its 'fired' tombstone: the cancel came too late, and that is what happened.
    const string CancelSql = """
        with gone as (delete from messaging.scheduled_message where token_id = $1)
        insert into messaging.schedule_tombstone (token_id, reason) values ($1, 'cancelled')
        on conflict (token_id) do nothing
        """;

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        await using var cancel = await dbContext.CreateCommandAsync(CancelSql, context.CancellationToken);
        cancel.Parameters.AddWithValue(context.Message.TokenId);
        await cancel.ExecuteNonQueryAsync(context.CancellationToken);
    }
}

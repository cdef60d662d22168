using System.Data;
using MassTransit;
using MassTransit.Middleware;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Messaging.Scheduling;

/// <summary>
/// Sends scheduled messages when they fall due. Each batch is claimed with a lease (its rows' due time moved past the
/// time the batch can take, under FOR UPDATE SKIP LOCKED), sent concurrently outside any transaction, and then deleted,
/// so with several instances running each message is sent by one of them; a crash before the delete leaves the rows to
/// come due again when the lease ends (at least once, same MessageId, which the receiver's inbox recognises). A row that
/// cannot be sent stays, due again after a growing wait: one bad row neither blocks the rows after it nor re-sends
/// those before it.
/// After MaxSendAttempts failures the row is set aside, with its reason, for an operator to replay.
/// </summary>
public sealed class ScheduledMessageDispatcher<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IBusControl bus,
    IOptions<SchedulerOptions> options,
    TimeProvider clock,
    SendTimeouts timeouts,
    ILogger<ScheduledMessageDispatcher<TDbContext>> logger)
    : PeriodicBusWork(bus, clock, logger)
    where TDbContext : DbContext
{
    // The database's clock, not ours: instances with skewed clocks agree on what is due. Claiming moves the rows' due time
    // past a lease, in a statement of its own, so no transaction or pooled connection is held while the sends wait for
    // their confirms; SKIP LOCKED keeps two instances from claiming the same row at once. A crash before the rows are
    // removed makes them due again when the lease ends: sent again, same MessageId, which the receiver's inbox recognises.
    const string ClaimDueSql = """
        with due as (
            select token_id from messaging.scheduled_message
            where due_at <= now()
            order by due_at
            limit {0}
            for update skip locked)
        update messaging.scheduled_message m set due_at = clock_timestamp() + {1}
        from due where m.token_id = due.token_id
        returning m.*
        """;

    // A fired token gets a tombstone in the transaction that deletes its row, so a late duplicate of its
    // ScheduleMessage cannot bring it back (ScheduleMessageConsumer).
    const string DeleteSentSql = """
        with sent as (delete from messaging.scheduled_message where token_id = any($1) returning token_id)
        insert into messaging.schedule_tombstone (token_id, reason)
        select token_id, 'fired' from sent
        on conflict (token_id) do update set reason = 'fired', at = now()
        """;

    // clock_timestamp(), not now(): the transaction may have started a few send timeouts ago.
    const string PutOffSql = """
        update messaging.scheduled_message
        set send_attempts = send_attempts + 1, last_error = $2, due_at = clock_timestamp() + $3
        where token_id = $1
        returning due_at
        """;

    const string Columns = """
        token_id, due_at, message_id, conversation_id, correlation_id, initiator_id, request_id, source_address,
        destination_address, response_address, fault_address, sent_time, expiration_time, headers, properties, content_type,
        message_type, body
        """;

    const string SetAsideSql = $"""
        with gone as (delete from messaging.scheduled_message where token_id = $1 returning *)
        insert into messaging.scheduled_message_set_aside ({Columns}, send_attempts, last_error, set_aside_at)
        select {Columns}, send_attempts + 1, $2, now() from gone
        on conflict (token_id) do update set due_at = excluded.due_at, message_id = excluded.message_id,
            destination_address = excluded.destination_address, headers = excluded.headers, properties = excluded.properties,
            content_type = excluded.content_type, message_type = excluded.message_type, body = excluded.body,
            send_attempts = excluded.send_attempts, last_error = excluded.last_error, set_aside_at = excluded.set_aside_at
        """;

    /// <summary>
    /// Puts set-aside rows (one token, or all when null) back into the schedule, due now and with a clean count; a token
    /// already waiting in the schedule again stays set aside. An operator runs this (README) once the cause is fixed.
    /// </summary>
    public const string ReplaySetAsideSql = $"""
        with replay as (delete from messaging.scheduled_message_set_aside a where ($1::uuid is null or token_id = $1)
            and not exists (select 1 from messaging.scheduled_message s where s.token_id = a.token_id) returning *)
        insert into messaging.scheduled_message ({Columns}, send_attempts, last_error)
        select token_id, now(), message_id, conversation_id, correlation_id, initiator_id, request_id, source_address,
            destination_address, response_address, fault_address, sent_time, expiration_time, headers, properties, content_type,
            message_type, body, 0, null
        from replay
        """;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override async Task<bool> RunRound(CancellationToken cancellationToken) =>
        await DispatchDue(cancellationToken) == options.Value.BatchSize;

    /// <summary>Sends one batch of due messages, all at once; returns how many were claimed.</summary>
    public async Task<int> DispatchDue(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var dbContext = scope.ServiceProvider.GetRequiredService<TDbContext>();

        // Longer than the batch can take (its sends run concurrently, each bounded by SendTimeout), so a claim never
        // lapses while its sends are still under way.
        var lease = options.Value.SendTimeout * 3;
        var due = await dbContext.Set<ScheduledMessage>()
            .FromSqlRaw(ClaimDueSql, options.Value.BatchSize, lease)
            .AsNoTracking()
            .ToListAsync(cancellationToken);

        if (due.Count == 0)
            return 0;

        var outcomes = await Task.WhenAll(due.Select(async message =>
        {
            try
            {
                await Send(message, cancellationToken);
                return (message, (Exception?)null);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                return (message, exception);
            }
        }));

        await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var sent = outcomes.Where(o => o.Item2 is null).Select(o => o.message.TokenId).ToArray();
        await using (var delete = await dbContext.CreateCommandAsync(DeleteSentSql, cancellationToken))
        {
            delete.Parameters.AddWithValue(sent);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (message, exception) in outcomes.Where(o => o.Item2 is not null))
            await Failed(dbContext, message, exception!, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        logger.LogDebug("Sent {Count} scheduled messages", sent.Length);
        return due.Count;
    }

    Task Send(ScheduledMessage message, CancellationToken cancellationToken) =>
        Bus.SendWithin(message.DestinationAddress!, new ScheduledMessageSendPipe(message), options.Value.SendTimeout, timeouts, cancellationToken);

    async Task Failed(TDbContext dbContext, ScheduledMessage message, Exception exception, CancellationToken cancellationToken)
    {
        var attempts = message.SendAttempts + 1;
        var reason = StoredMessageSending.Reason(exception);

        if (attempts >= options.Value.MaxSendAttempts)
        {
            await using var setAside = await dbContext.CreateCommandAsync(SetAsideSql, cancellationToken);
            setAside.Parameters.AddWithValue(message.TokenId);
            setAside.Parameters.AddWithValue(reason);
            await setAside.ExecuteNonQueryAsync(cancellationToken);
            logger.LogError("Scheduled message {TokenId} to {Destination} set aside after {Attempts} failed sends " +
                "(messaging.scheduled_message_set_aside; README says how to replay it): {Reason}",
                message.TokenId, message.DestinationAddress, attempts, reason);
            return;
        }

        await using var putOff = await dbContext.CreateCommandAsync(PutOffSql, cancellationToken);
        putOff.Parameters.AddWithValue(message.TokenId);
        putOff.Parameters.AddWithValue(reason);
        putOff.Parameters.AddWithValue(StoredMessageSending.RetryDelay(message.SendAttempts));
        var next = await putOff.ExecuteScalarAsync(cancellationToken);
        logger.LogWarning("Scheduled message {TokenId} to {Destination} could not be sent (attempt {Attempt} of {Max}); next try at {Next:u}: {Reason}",
            message.TokenId, message.DestinationAddress, attempts, options.Value.MaxSendAttempts, next, reason);
    }

    /// <summary>
    /// MassTransit's outbox send pipe restores the body, ids and MT- headers; a scheduled message also keeps
    /// every other header it was scheduled with, and carries its token so a saga can tell a stale timeout.
    /// </summary>
    sealed class ScheduledMessageSendPipe(ScheduledMessage message) : IPipe<SendContext>
    {
        public async Task Send(SendContext context)
        {
            await new OutboxMessageSendPipe(message, message.DestinationAddress).Send(context);

            foreach (var header in ((MessageContext)message).Headers.GetAll())
                context.Headers.Set(header.Key, header.Value);
            context.Headers.Set(MessageHeaders.SchedulingTokenId, message.TokenId.ToString("N"));
        }

        public void Probe(ProbeContext context)
        {
        }
    }
}

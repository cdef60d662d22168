using System.Data;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Sends what consumers committed to the outbox, in every process, in batches: claims up to BatchSize rows with
/// FOR UPDATE SKIP LOCKED (so processes share the work and never send the same row at once), sends them concurrently,
/// each to its publisher confirm, and removes the confirmed rows in the same transaction. The messages of one consumed
/// message go out one after another, in the order they were produced, as MassTransit's own outbox keeps them.
/// <para>
/// A row whose send fails stays, due again after a growing wait, and after MaxSendAttempts is set aside with its reason;
/// the rows around it keep flowing. A crash before the commit leaves the claimed rows to be sent again (at least once,
/// same MessageId, which the receiver's inbox recognises). Woken by commits in this process and, through LISTEN/NOTIFY,
/// in others; polls as a fallback.
/// </para>
/// </summary>
public sealed class OutboxDeliveryService(
    NpgsqlDataSource dataSource,
    IBusControl bus,
    OutboxDeliverySignal signal,
    IOptions<OutboxDeliveryOptions> options,
    SendTimeouts timeouts,
    ILogger<OutboxDeliveryService> logger)
    : BackgroundService
{
    // sent_after: a row that failed waits its turn; the primary key gives the order and the index this walks.
    const string ClaimSql = $"""
        select sequence_number, {OutboxRows.Columns}, send_attempts from messaging.outbox_message
        where send_after is null or send_after <= now()
        order by sequence_number
        limit $1
        for update skip locked
        """;

    const string RemoveSentSql = "delete from messaging.outbox_message where sequence_number = any($1)";

    const string PutOffSql = """
        update messaging.outbox_message set send_attempts = send_attempts + 1, last_error = $2, send_after = clock_timestamp() + $3
        where sequence_number = $1
        """;

    const string SetAsideSql = $"""
        with gone as (delete from messaging.outbox_message where sequence_number = $1 returning *)
        insert into messaging.outbox_message_set_aside (sequence_number, {OutboxRows.Columns}, send_attempts, last_error)
        select sequence_number, {OutboxRows.Columns}, send_attempts + 1, $2 from gone
        """;

    /// <summary>
    /// Puts set-aside rows (one message, or all when null) back in the outbox with a clean count, keeping their sequence
    /// numbers and so their order. An operator runs this (README) once the cause is fixed.
    /// </summary>
    public const string ReplaySetAsideSql = $"""
        with replay as (delete from messaging.outbox_message_set_aside where $1::uuid is null or message_id = $1 returning *)
        insert into messaging.outbox_message (sequence_number, {OutboxRows.Columns})
        overriding system value
        select sequence_number, {OutboxRows.Columns} from replay
        """;

    OutboxDeliveryOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Enabled)
            return;

        var listening = Listen(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Rows wait in Postgres while the broker is away: a send that cannot succeed must not use up a row's attempts.
                if (await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(5)) != BusHealthStatus.Healthy)
                    continue;

                if (await DeliverBatch(stoppingToken) == Options.BatchSize)
                    continue;
                if (failures > 0)
                    logger.LogInformation("Outbox delivery resumed");
                failures = 0;
                await signal.WaitAsync(Options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // The database is away (a restart) or the batch could not be finished: the rows are still there.
                if (failures++ == 0)
                    logger.LogWarning("Outbox delivery paused, retrying: {Reason}", StoredMessageSending.Reason(exception));
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, Math.Min(failures, 5)), 5000)), stoppingToken)
                    .ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await listening;
        await DrainBeforeStopping();
    }

    /// <summary>
    /// On a graceful stop, sends what the consumers committed last while the bus is still up (MassTransit's hosted service
    /// stops after this one), so a stopped worker leaves nothing for others to pick up; bounded, since the rows are safe anyway.
    /// </summary>
    async Task DrainBeforeStopping()
    {
        using var deadline = new CancellationTokenSource(Options.SendTimeout);
        try
        {
            while (await DeliverBatch(deadline.Token) == Options.BatchSize)
            {
            }
        }
        catch (Exception exception)
        {
            logger.LogInformation("Outbox rows left for the other workers at stop: {Reason}", StoredMessageSending.Reason(exception));
        }
    }

    /// <summary>Claims, sends and removes one batch; returns how many rows it claimed.</summary>
    public async Task<int> DeliverBatch(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        var claimed = new List<(OutboxMessage Message, int SendAttempts)>();
        await using (var claim = new NpgsqlCommand(ClaimSql, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Options.BatchSize });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                claimed.Add(OutboxRows.Read(reader));
        }

        if (claimed.Count == 0)
            return 0;

        var outcomes = await Task.WhenAll(claimed
            .GroupBy(x => (x.Message.InboxMessageId, x.Message.InboxConsumerId))
            .Select(produced => SendInOrder(produced.ToList(), cancellationToken)));

        await using var batch = new NpgsqlBatch(connection, transaction);
        var sent = outcomes.SelectMany(o => o.Sent).ToArray();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(RemoveSentSql) { Parameters = { new NpgsqlParameter<long[]> { TypedValue = sent } } });
        foreach (var (failed, attempts, exception) in outcomes.Where(o => o.Failed is not null).Select(o => o.Failed!.Value))
            batch.BatchCommands.Add(Failed(failed, attempts, exception));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        await batch.ExecuteNonQueryAsync(cancellationToken);

        return claimed.Count;
    }

    /// <summary>Sends one consumed message's outgoing messages in order, stopping at the first that fails.</summary>
    async Task<(List<long> Sent, (OutboxMessage, int, Exception)? Failed)> SendInOrder(
        List<(OutboxMessage Message, int SendAttempts)> produced, CancellationToken cancellationToken)
    {
        var sent = new List<long>(produced.Count);
        foreach (var (message, attempts) in produced)
        {
            try
            {
                if (message.DestinationAddress is null)
                    throw new InvalidOperationException("The stored message has no destination address.");
                await bus.SendWithin(message.DestinationAddress, new OutboxMessageSendPipe(message, message.DestinationAddress),
                    Options.SendTimeout, timeouts, cancellationToken);
                sent.Add(message.SequenceNumber);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                return (sent, (message, attempts, exception));
            }
        }

        return (sent, null);
    }

    NpgsqlBatchCommand Failed(OutboxMessage message, int previousAttempts, Exception exception)
    {
        var attempts = previousAttempts + 1;
        var reason = StoredMessageSending.Reason(exception);
        var key = new NpgsqlParameter<long> { TypedValue = message.SequenceNumber };

        if (attempts >= Options.MaxSendAttempts)
        {
            logger.LogError("Outbox message {MessageId} to {Destination} set aside after {Attempts} failed sends " +
                "(messaging.outbox_message_set_aside; README says how to replay it): {Reason}", message.MessageId, message.DestinationAddress, attempts, reason);
            return new NpgsqlBatchCommand(SetAsideSql) { Parameters = { key, new NpgsqlParameter<string> { TypedValue = reason } } };
        }

        var delay = StoredMessageSending.RetryDelay(previousAttempts);
        logger.LogWarning("Outbox message {MessageId} to {Destination} could not be sent (attempt {Attempt} of {Max}); next try in {Delay}: {Reason}",
            message.MessageId, message.DestinationAddress, attempts, Options.MaxSendAttempts, delay, reason);
        return new NpgsqlBatchCommand(PutOffSql)
        {
            Parameters = { key, new NpgsqlParameter<string> { TypedValue = reason }, new NpgsqlParameter<TimeSpan> { TypedValue = delay } },
        };
    }

    async Task<NpgsqlConnection> OpenListenConnection(CancellationToken cancellationToken)
    {
        if (Options.ListenConnectionString is not { Length: > 0 } direct)
            return await dataSource.OpenConnectionAsync(cancellationToken);
        // One long-lived session: no pool to keep it in.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(direct) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>LISTENs for commits in other processes on a connection of its own, reconnecting after a database restart.</summary>
    async Task Listen(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await OpenListenConnection(stoppingToken);
                connection.Notification += (_, _) => signal.Wake();
                await using (var listen = new NpgsqlCommand($"listen {OutboxRows.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);

                // Anything committed while nobody listened is picked up now.
                signal.Wake();
                try
                {
                    while (true)
                        await connection.WaitAsync(stoppingToken);
                }
                finally
                {
                    // Pooled connections are not reset on close here (No Reset On Close): stop listening before it goes back.
                    if (connection.State == ConnectionState.Open)
                    {
                        await using var unlisten = new NpgsqlCommand("unlisten *", connection);
                        await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The database went away; polling covers the gap until it is back.
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}

using System.Data;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Sends what a consumer committed but never delivered when its inbound message will not come back to finish
/// the job: it went to the error queue, was purged, or expired. Normally the broker redelivers the inbound
/// message and its next pass delivers; this is the safety net. Each inbox row is claimed with
/// FOR UPDATE SKIP LOCKED, the same lock the outbox pass takes, so several instances and a concurrent
/// redelivery never deliver the same row twice at once. Each row is swept in a transaction of its own: one whose
/// messages cannot be sent keeps what did go out (last_sequence_number), is put off with a growing wait and a warning,
/// and neither blocks the rows after it nor re-sends those before it.
/// </summary>
public sealed class OutboxSweeper<TDbContext>(
    IServiceScopeFactory scopeFactory,
    IBusControl bus,
    IOptions<InboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxSweeper<TDbContext>> logger)
    : PeriodicBusWork(bus, clock, logger)
    where TDbContext : DbContext
{
    // The database's clock, so instances with skewed clocks agree on what is abandoned; inbox_state_undelivered
    // (migration 0006) is the partial index this walks.
    const string ClaimOrphanSql = """
        select * from messaging.inbox_state
        where consumed is not null and delivered is null and consumed < now() - {0}
            and (sweep_after is null or sweep_after <= now())
        order by consumed
        limit 1
        for update skip locked
        """;

    const string DeliveredSql = """
        update messaging.inbox_state set delivered = now(), last_sequence_number = $3
        where message_id = $1 and consumer_id = $2
        """;

    const string PutOffSql = """
        update messaging.inbox_state
        set last_sequence_number = $3, sweep_attempts = sweep_attempts + 1, last_sweep_error = $4,
            sweep_after = clock_timestamp() + least($5 * power(2, least(sweep_attempts + 1, 20)), interval '1 hour')
        where message_id = $1 and consumer_id = $2
        returning sweep_attempts, sweep_after
        """;

    const int BatchSize = 50;

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override async Task<bool> RunRound(CancellationToken cancellationToken)
    {
        var (claimed, delivered) = await Sweep(cancellationToken);
        if (delivered > 0)
            logger.LogWarning("Delivered the outbox of {Count} consumed messages whose own redelivery never finished it", delivered);
        return claimed == BatchSize;
    }

    /// <summary>Delivers the outbox of up to 50 abandoned inbox rows; returns how many rows it completed.</summary>
    public async Task<int> SweepOnce(CancellationToken cancellationToken) => (await Sweep(cancellationToken)).Delivered;

    async Task<(int Claimed, int Delivered)> Sweep(CancellationToken cancellationToken)
    {
        var claimed = 0;
        var delivered = 0;
        while (claimed < BatchSize)
        {
            var outcome = await SweepOne(cancellationToken);
            if (outcome is null)
                break;
            claimed++;
            if (outcome.Value)
                delivered++;
        }

        return (claimed, delivered);
    }

    /// <summary>One orphan in a transaction of its own: null when none is left, else whether it was delivered.</summary>
    async Task<bool?> SweepOne(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var dbContext = scope.ServiceProvider.GetRequiredService<TDbContext>();
        dbContext.Database.AutoSavepointsEnabled = false;

        await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var inbox = await dbContext.Set<InboxState>().FromSqlRaw(ClaimOrphanSql, options.Value.SweepAfter).AsNoTracking()
            .FirstOrDefaultAsync(cancellationToken);
        if (inbox is null)
            return null;

        var messages = await dbContext.UnsentOutboxMessagesOf(inbox).ToListAsync(cancellationToken);
        var lastSent = inbox.LastSequenceNumber;
        try
        {
            foreach (var message in messages)
            {
                var endpoint = await Bus.GetSendEndpoint(message.DestinationAddress!);
                await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, message.DestinationAddress), cancellationToken);
                lastSent = message.SequenceNumber;
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            await PutOff(dbContext, inbox, lastSent, exception, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return false;
        }

        await using (var done = await dbContext.CreateCommandAsync(DeliveredSql, cancellationToken))
        {
            done.Parameters.AddWithValue(inbox.MessageId);
            done.Parameters.AddWithValue(inbox.ConsumerId);
            done.Parameters.Add(Nullable(lastSent));
            await done.ExecuteNonQueryAsync(cancellationToken);
        }

        await dbContext.OutboxMessagesOf(inbox).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    async Task PutOff(TDbContext dbContext, InboxState inbox, long? lastSent, Exception exception, CancellationToken cancellationToken)
    {
        // The reason without a stack trace: an address no transport knows is a fact about the row, not a crash of ours.
        var reason = $"{exception.GetType().Name}: {exception.Message}";
        await using var command = await dbContext.CreateCommandAsync(PutOffSql, cancellationToken);
        command.Parameters.AddWithValue(inbox.MessageId);
        command.Parameters.AddWithValue(inbox.ConsumerId);
        command.Parameters.Add(Nullable(lastSent));
        command.Parameters.AddWithValue(reason);
        // Waits 2, 4, 8 … sweep intervals, at most an hour, before the row is tried again.
        command.Parameters.AddWithValue(options.Value.SweepInterval);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        logger.LogWarning("The outbox of consumed message {MessageId} (consumer {ConsumerId}) could not be swept (attempt {Attempt}); next try at {Next:u}: {Reason}",
            inbox.MessageId, inbox.ConsumerId, reader.GetInt32(0), reader.GetDateTime(1), reason);
    }

    static NpgsqlParameter Nullable(long? value) => new NpgsqlParameter<long?>() { TypedValue = value };
}

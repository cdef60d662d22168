using Billing.Features.Notifications;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// What happened to a delivery's calls to its provider, committed at once on connections of their own, outside the
/// attempt's transaction (which may still roll back, or die with its process):
/// <list type="bullet">
/// <item>a call going out (<c>billing.delivery_call</c>), written before it goes, so that an attempt that died or got no
/// answer leaves a trace the next attempt finds: that call's outcome is unknown;</item>
/// <item>the provider's yes (<c>billing.delivery_accepted</c>), so that the next attempt records the delivery as sent
/// without calling out again.</item>
/// </list>
/// </summary>
public sealed class DeliveryAcceptances(NpgsqlDataSource dataSource, ILogger<DeliveryAcceptances> logger)
{
    /// <summary>How long recording a provider's yes waits out a database that is away (a restart) before giving up.</summary>
    public static readonly TimeSpan RecordFor = TimeSpan.FromMinutes(2);

    public async Task<SendResult?> Find(Guid statementId, string channel, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select provider_message_id from billing.delivery_accepted where statement_id = $1 and channel = $2");
        command.Parameters.AddPositional(statementId, channel);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SendResult.Sent(reader.IsDBNull(0) ? "" : reader.GetString(0)) : null;
    }

    /// <summary>
    /// When the first call under <paramref name="idempotencyKey"/> went out, if a call went out and no answer was recorded
    /// (it timed out, or its attempt died): its outcome is unknown. Null when no call is outstanding.
    /// </summary>
    public async Task<DateTimeOffset?> Unanswered(Guid statementId, string channel, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select first_called_at from billing.delivery_call where statement_id = $1 and channel = $2 and idempotency_key = $3
            """);
        command.Parameters.AddPositional(statementId, channel, idempotencyKey);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>A call is about to go out: committed before it does, so that no crash can hide it.</summary>
    public async Task Calling(Guid statementId, string channel, string idempotencyKey, CancellationToken cancellationToken)
    {
        // Another key (support retried the delivery) starts a new series of calls.
        await using var command = dataSource.CreateCommand("""
            insert into billing.delivery_call (statement_id, channel, idempotency_key) values ($1, $2, $3)
            on conflict (statement_id, channel) do update set last_called_at = now(),
                first_called_at = case when billing.delivery_call.idempotency_key = excluded.idempotency_key
                                       then billing.delivery_call.first_called_at else now() end,
                idempotency_key = excluded.idempotency_key
            """);
        command.Parameters.AddPositional(statementId, channel, idempotencyKey);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The provider answered "not sent" (a refusal, a "not now"): no call is outstanding any more.</summary>
    public async Task Answered(Guid statementId, string channel)
    {
        await using var command = dataSource.CreateCommand("delete from billing.delivery_call where statement_id = $1 and channel = $2");
        command.Parameters.AddPositional(statementId, channel);
        await Persistently(command, statementId, channel);
    }

    /// <summary>
    /// The provider said yes. Recorded at once, and through a database restart: were it lost, the attempt's retry would
    /// send the message again (SMTP takes no key: a second e-mail with the same Message-ID a second later).
    /// </summary>
    public async Task Record(Guid statementId, string channel, string? providerMessageId)
    {
        await using var command = dataSource.CreateCommand("""
            with accepted as (
                insert into billing.delivery_accepted (statement_id, channel, provider_message_id) values ($1, $2, $3)
                on conflict do nothing
            )
            delete from billing.delivery_call where statement_id = $1 and channel = $2
            """);
        command.Parameters.AddPositional(statementId, channel, (object?)providerMessageId ?? DBNull.Value);
        await Persistently(command, statementId, channel);
    }

    /// <summary>
    /// Runs a one-statement write until it commits, waiting out a database that is away for up to <see cref="RecordFor"/>
    /// (the same transient failures the consumers wait out). Not the consumer's token: once the provider has answered,
    /// writing it down must not be cancelled half way.
    /// </summary>
    async Task Persistently(NpgsqlCommand command, Guid statementId, string channel)
    {
        var giveUpAt = DateTimeOffset.UtcNow + RecordFor;
        var wait = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync(CancellationToken.None);
                if (attempt > 1)
                    logger.LogInformation("Statement {StatementId}: {Channel}'s answer recorded after {Attempts} tries", statementId, channel, attempt);
                return;
            }
            catch (Exception e) when (PostgresErrors.IsTransient(e) && DateTimeOffset.UtcNow + wait < giveUpAt)
            {
                logger.LogWarning("Statement {StatementId}: recording {Channel}'s answer failed ({Error}); trying again in {Wait} ms",
                    statementId, channel, e.Message, (int)wait.TotalMilliseconds);
                await Task.Delay(wait, CancellationToken.None);
                wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, 2000));
            }
        }
    }
}

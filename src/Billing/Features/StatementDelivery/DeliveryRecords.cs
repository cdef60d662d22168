using Billing.Contracts.Statements;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// A delivery taken for an attempt: the attempt's number, the WhatsApp media already uploaded for it, and the key its
/// provider calls carry (statement and channel; a new one after support retried a failure, which the provider keeps).
/// </summary>
public sealed record DeliveryClaim(int Attempt, string? MediaId, string IdempotencyKey);

/// <summary>
/// The delivery records, written in the consume transaction: an attempt holds its row's lock from claim to commit, so a
/// concurrent duplicate of the message waits and then finds the delivery settled; an attempt that dies before its commit
/// leaves the row as it was, and the message's redelivery repeats the call under the same idempotency key.
/// </summary>
public sealed class DeliveryRecords(BillingDbContext db)
{
    /// <summary>The next attempt of a delivery, or null when it has settled already (a repeat of its message).</summary>
    public async Task<DeliveryClaim?> Claim(Guid statementId, string channel, string? recipient, CancellationToken cancellationToken)
    {
        await using var command = await Command("""
            insert into billing.delivery (statement_id, channel, status, idempotency_key, recipient, attempts)
            values ($1, $2, 'sending', $3, $4, 1)
            on conflict (statement_id, channel) do update
                set status = 'sending', attempts = billing.delivery.attempts + 1, recipient = excluded.recipient,
                    next_attempt_at = null, updated_at = now()
                where billing.delivery.status not in ('sent', 'skipped', 'failed', 'unknown')
            returning attempts, media_id, idempotency_key
            """, cancellationToken, statementId, channel, DeliveryChannels.IdempotencyKey(statementId, channel), Nullable(recipient));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new DeliveryClaim(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2))
            : null;
    }

    /// <summary>Whether the delivery has settled (sent, skipped, failed or unknown): a repeat of its message has nothing to do.</summary>
    public async Task<bool> IsSettled(Guid statementId, string channel, CancellationToken cancellationToken)
    {
        await using var command = await Command("""
            select exists (select 1 from billing.delivery
                           where statement_id = $1 and channel = $2 and status in ('sent', 'skipped', 'failed', 'unknown'))
            """, cancellationToken, statementId, channel);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Opted out or no contact: recorded, not a failure. Nothing happens to a delivery that has settled already; one still
    /// open (pending after a sweep, retrying) is skipped now, since the holder can no longer be reached there.
    /// </summary>
    public Task Skip(Guid statementId, string channel, string reason, CancellationToken cancellationToken) => Execute("""
        insert into billing.delivery (statement_id, channel, status, idempotency_key, reason, settled_at)
        values ($1, $2, 'skipped', $3, $4, now())
        on conflict (statement_id, channel) do update
            set status = 'skipped', reason = excluded.reason, next_attempt_at = null, settled_at = now(), updated_at = now()
            where billing.delivery.status not in ('sent', 'skipped', 'failed', 'unknown')
        """, cancellationToken, statementId, channel, DeliveryChannels.IdempotencyKey(statementId, channel), reason);

    public Task Sent(Guid statementId, string channel, string? providerMessageId, CancellationToken cancellationToken) => Execute("""
        update billing.delivery set status = 'sent', provider_message_id = $3, reason = null, last_error = null,
            settled_at = now(), updated_at = now()
        where statement_id = $1 and channel = $2
        """, cancellationToken, statementId, channel, Nullable(providerMessageId));

    public Task Failed(Guid statementId, string channel, string reason, string? error, CancellationToken cancellationToken) => Execute("""
        update billing.delivery set status = 'failed', reason = $3, last_error = left($4, 1000), settled_at = now(), updated_at = now()
        where statement_id = $1 and channel = $2
        """, cancellationToken, statementId, channel, reason, Nullable(error));

    /// <summary>Settled without knowing whether the provider delivered it: not sent again (at most once); support can retry it.</summary>
    public Task Unknown(Guid statementId, string channel, string? error, CancellationToken cancellationToken) => Execute("""
        update billing.delivery set status = 'unknown', reason = 'outcome_unknown', last_error = left($3, 1000), next_attempt_at = null,
            settled_at = now(), updated_at = now()
        where statement_id = $1 and channel = $2
        """, cancellationToken, statementId, channel, Nullable(error));

    public Task Retrying(Guid statementId, string channel, string? error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        Execute("""
            update billing.delivery set status = 'retrying', last_error = left($3, 1000), next_attempt_at = $4, updated_at = now()
            where statement_id = $1 and channel = $2
            """, cancellationToken, statementId, channel, Nullable(error), nextAttemptAt);

    public Task RecordPdf(Guid statementId, string path, string sha256, long bytes, int pages, TimeSpan renderTime,
        CancellationToken cancellationToken) => Execute("""
        update billing.statement set pdf_path = $2, pdf_sha256 = $3, pdf_bytes = $4, pdf_pages = $5, rendered_at = now(), render_ms = $6
        where statement_id = $1
        """, cancellationToken, statementId, path, sha256, (int)bytes, pages, (int)Math.Min(renderTime.TotalMilliseconds, int.MaxValue));

    /// <summary>
    /// When every channel has settled, marks the statement delivered, partly delivered or undelivered and returns the event
    /// to publish; otherwise (or when it was marked already) null. The statement's row lock orders the channels' last
    /// steps, so exactly one of them finds all four settled. FOR NO KEY UPDATE, not FOR UPDATE: each channel's claim has
    /// taken a KEY SHARE lock on the statement (the delivery row's foreign key), and FOR UPDATE waits for those, so two
    /// channels settling at once would deadlock.
    /// </summary>
    public async Task<StatementDelivered?> Settle(Guid statementId, CancellationToken cancellationToken)
    {
        // Two statements, not one: a read in the locking statement would see the deliveries as of that statement's start,
        // before the channel it waited for committed; the second statement sees every channel that settled before it.
        (string Account, DateOnly Date, bool Marked)? statement = null;
        await using (var lockStatement = await Command("""
            select account_id, statement_date, delivery_status is not null
            from billing.statement where statement_id = $1 for no key update
            """, cancellationToken, statementId))
        await using (var reader = await lockStatement.ExecuteReaderAsync(cancellationToken))
            if (await reader.ReadAsync(cancellationToken))
                statement = (reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetBoolean(2));

        var channels = new Dictionary<string, string>();
        var reasons = new Dictionary<string, string?>();
        if (statement is { Marked: false })
        {
            await using var read = await Command("select channel, status, reason from billing.delivery where statement_id = $1", cancellationToken,
                statementId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                channels[reader.GetString(0)] = reader.GetString(1);
                reasons[reader.GetString(0)] = reader.IsDBNull(2) ? null : reader.GetString(2);
            }
        }

        if (statement is not { Marked: false } s || !DeliveryChannels.All.All(c => channels.TryGetValue(c, out var st) && IsSettled(st)))
            return null;

        var (outcome, reason) = Outcome(channels, reasons);
        await Execute("update billing.statement set delivery_status = $2, delivery_reason = $3, delivered_at = now() where statement_id = $1",
            cancellationToken, statementId, outcome, Nullable(reason));
        var summary = string.Join(' ', DeliveryChannels.All.Select(c => $"{c}:{channels[c]}"));
        return new StatementDelivered(statementId, s.Account, s.Date, outcome, summary);
    }

    /// <summary>
    /// The statement's outcome once every channel settled: delivered (something sent, nothing failed or unknown),
    /// not_delivered (nothing sent and nothing failed: every channel skipped), partly_delivered (something sent, something
    /// failed or unknown) or undelivered (nothing sent, something failed or unknown), with the reason where not delivered.
    /// </summary>
    public static (string Outcome, string? Reason) Outcome(IReadOnlyDictionary<string, string> statuses, IReadOnlyDictionary<string, string?> reasons)
    {
        // In the channels' own order (sms, pdf, email, whatsapp), so a reason reads the same whichever channel settled last.
        var ordered = DeliveryChannels.All.Where(statuses.ContainsKey).Select(c => KeyValuePair.Create(c, statuses[c])).ToList();
        var messages = ordered.Where(c => c.Key != DeliveryChannels.Pdf).ToList();
        var sent = messages.Count(c => c.Value == "sent");
        var notSent = ordered.Where(c => c.Value is "failed" or "unknown").Select(c => $"{c.Key} {c.Value}: {reasons.GetValueOrDefault(c.Key) ?? "?"}").ToList();
        if (notSent.Count == 0)
            return sent > 0
                ? ("delivered", null)
                : ("not_delivered", "every channel skipped: " + string.Join(", ", messages.Select(c => $"{c.Key} {reasons.GetValueOrDefault(c.Key) ?? c.Value}")));
        return (sent > 0 ? "partly_delivered" : "undelivered", string.Join(", ", notSent));
    }

    static bool IsSettled(string status) => status is "sent" or "skipped" or "failed" or "unknown";

    static object Nullable(string? value) => (object?)value ?? DBNull.Value;

    async Task<NpgsqlCommand> Command(string sql, CancellationToken cancellationToken, params object[] values)
    {
        var command = await db.CreateCommandAsync(sql, cancellationToken);
        command.Parameters.AddPositional(values);
        return command;
    }

    async Task Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = await Command(sql, cancellationToken, values);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

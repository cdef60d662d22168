using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using MassTransit;
using Npgsql;

namespace Billing.Features.StatementDelivery;


public sealed record DeliveryRetryAccepted(Guid StatementId, string Channel, string Status);

/// <summary>
/// Support's retry of a channel that has not been sent: one that failed for good (after a provider's outage outlived its
/// attempts, or a fixed credential), one whose outcome is <c>unknown</c> (support checked with the holder), or one still
/// unsettled (pending, retrying, sending: it is started again now). The delivery starts again with fresh attempts under a
/// new key, and the statement's outcome is decided again when it settles. A sent or skipped delivery is not retried, and a
/// delivery sends once however often it is asked.
/// </summary>
public sealed class DeliveryRetry(NpgsqlDataSource dataSource, IPublishEndpoint publish, AuditTrail audit)
{
    /// <summary><c>POST /statements/{id}/deliveries/{channel}/retry</c>; the statement page's retry button calls <see cref="Retry"/> too.</summary>
    public static async Task<IResult> Handle(Guid statementId, string channel, ClaimsPrincipal user, DeliveryRetry retry, CancellationToken ct) =>
        (await retry.Retry(statementId, channel, Actor.Of(user), ct)).ToResult();

    public async Task<ActionOutcome> Retry(Guid statementId, string channel, Actor actor, CancellationToken ct)
    {
        if (!DeliveryChannels.All.Contains(channel))
            return ActionOutcome.Invalid(new Dictionary<string, string[]>
            {
                ["channel"] = [$"'{channel}' is not a channel; one of: {string.Join(", ", DeliveryChannels.All)}."],
            }, "Nothing was retried.");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var reset = new NpgsqlCommand("""
            with open as (
                select statement_id, channel, status from billing.delivery
                where statement_id = $1 and channel = $2 and status not in ('sent', 'skipped')
                for update),
            reset as (
                update billing.delivery d set status = 'retrying', attempts = 0, reason = null, next_attempt_at = null, settled_at = null,
                    updated_at = now(), idempotency_key = $3
                from open where d.statement_id = open.statement_id and d.channel = open.channel
                returning d.statement_id, open.status as previous
            )
            update billing.statement s set delivery_status = null, delivery_reason = null, delivered_at = null
            from reset where s.statement_id = reset.statement_id
            returning s.run_id, s.account_id, s.statement_date, s.closing_balance, s.minimum_due, s.due_date, s.currency, s.pdf_path is not null,
                reset.previous
            """, connection, transaction)
        {
            // A new key: a provider keeps its refusal under the old one and would answer the retry with it again.
            Parameters = { new() { Value = statementId }, new() { Value = channel },
                new() { Value = $"{DeliveryChannels.IdempotencyKey(statementId, channel)}-retry-{DateTime.UtcNow:yyyyMMddHHmmssfff}" } },
        };
        StatementReady ready;
        bool rendered;
        string previous;
        await using (var reader = await reset.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                await reader.DisposeAsync();
                return await NotRetried(connection, transaction, statementId, channel, ct);
            }

            ready = new StatementReady(statementId, reader.IsDBNull(0) ? Guid.Empty : reader.GetGuid(0), reader.GetString(1),
                reader.GetFieldValue<DateOnly>(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetFieldValue<DateOnly>(5),
                reader.GetString(6).Trim());
            rendered = reader.GetBoolean(7);
            previous = reader.GetString(8);
        }

        await audit.Record(new AuditEntry(actor, "delivery.retry", "statement_delivery", $"{statementId}/{channel}",
            new { status = previous }, new { status = "retrying" }), connection, transaction, ct);

        // Published after the commit, so the consumer finds the delivery open. Were the publish lost, the delivery waits with
        // no attempt due until the sweeper publishes it again (or support retries it again); a second publish is harmless (the claim finds it settled). The other
        // channels' consumers, which get the message too, find theirs settled and only settle the statement.
        await transaction.CommitAsync(ct);
        if (channel is DeliveryChannels.Sms or DeliveryChannels.Pdf)
            await publish.Publish(ready, ct);
        else
            await publish.Publish(new StatementPdfSettled(statementId, ready.AccountId, rendered, rendered ? null : "no PDF stored"), ct);
        return ActionOutcome.Accepted($"/statements/{statementId}", new DeliveryRetryAccepted(statementId, channel, "retrying"));
    }

    static async Task<ActionOutcome> NotRetried(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid statementId, string channel,
        CancellationToken ct)
    {
        await using var find = new NpgsqlCommand("select status from billing.delivery where statement_id = $1 and channel = $2",
            connection, transaction) { Parameters = { new() { Value = statementId }, new() { Value = channel } } };
        return await find.ExecuteScalarAsync(ct) is string status
            ? ActionOutcome.Conflict("Already delivered",
                $"The {channel} delivery of statement {statementId} is {status}; only an unsettled, failed or unknown one is retried.")
            : ActionOutcome.NotFound("No such delivery", $"Statement {statementId} has no {channel} delivery.");
    }
}

using System.Security.Claims;
using Billing.Contracts.BillingRuns;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Billing.Features.StatementDelivery;

public sealed record StatementReissueRequest(string? Reason);

public sealed record StatementReissued(Guid StatementId, int Version, Guid CorrectsStatementId, string Reason, bool Replayed);

/// <summary>
/// Support's correction of a statement that was sent: a new version with its own id, PDF and deliveries, linked to the
/// version it corrects, never an edit of what the holder already has (docs/delivery.md, *Corrections*). The new version
/// shows the same money (figures and lines, as frozen when billed) under the holder's name and locale as the account
/// has them now, and every channel says it is a corrected statement. A money mistake is not corrected here: it is an
/// entry in the passbook, shown on the next statement. Each version is corrected once; asked again with the same reason
/// (a double click, a client's retry) the answer is the version already made.
/// </summary>
public static class StatementReissue
{
    const int MaxReason = 500;

    public static async Task<IResult> Handle(Guid statementId, StatementReissueRequest? request, ClaimsPrincipal user, BillingDbContext db,
        StatementRecipients recipients, IPublishEndpoint publish, AuditTrail audit, CancellationToken ct)
    {
        var reason = request?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReason)
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["reason"] = [$"Say why the statement is re-issued (1 to {MaxReason} characters): it is kept with the new version and in the audit trail."],
            }, title: "Nothing was re-issued.");

        await using var scope = await db.Database.BeginTransactionAsync(ct);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)scope.GetDbTransaction();

        // The version's row lock: two corrections of one version go one after the other, and the second finds the first.
        await using (var find = new NpgsqlCommand(
            "select status, version from billing.statement where statement_id = $1 for update", connection, transaction)
            { Parameters = { new() { Value = statementId } } })
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return Results.Problem($"There is no statement {statementId}.", statusCode: StatusCodes.Status404NotFound, title: "No such statement");
            if (reader.GetString(0) == "imported")
                return Refused($"Statement {statementId} was imported from the system before this one; it is not ours to re-issue.",
                    "imported_statement");
        }

        if (await Correction(connection, transaction, statementId, ct) is { } earlier)
            return earlier.Reason == reason
                ? Results.Ok(earlier with { Replayed = true })
                : Refused($"Statement {statementId} was corrected already by version {earlier.Version} ({earlier.StatementId}); re-issue that one.",
                    "already_corrected", earlier.StatementId);

        // What the version shows (frozen lines, or for a statement billed before the snapshot existed, drawn as it renders).
        var shown = await recipients.Load(statementId, withLines: true, ct)
                    ?? throw new InvalidOperationException($"Statement {statementId} vanished under its own row lock.");
        var reissue = new StatementReissued(Guid.NewGuid(), 0, statementId, reason, Replayed: false);
        var actor = Actor.Of(user);
        reissue = reissue with { Version = await Insert(connection, transaction, reissue, actor.Name, ct) };
        await InsertLines(connection, transaction, reissue.StatementId, shown.Document.Lines, ct);
        // Open before the message goes out: were it lost, the delivery sweep finds these waiting and publishes it again.
        await connection.ExecuteAsync(transaction, """
            insert into billing.delivery (statement_id, channel, status, idempotency_key)
            select $1, c, 'pending', 'statement-' || replace($1::text, '-', '') || '-' || c from unnest(array['sms', 'pdf']) c
            """, ct, reissue.StatementId);
        await audit.Record(new AuditEntry(actor, "statement.reissue", "statement", statementId.ToString(),
            null, new { reissue.StatementId, reissue.Version, reason }), connection, transaction, ct);
        await scope.CommitAsync(ct);

        var d = shown.Document;
        await publish.Publish(new StatementReady(reissue.StatementId, Guid.Empty, d.AccountId, d.StatementDate, d.ClosingBalance, d.MinimumDue,
            d.DueDate, d.Currency), ct);
        return Results.Created($"/statements/{reissue.StatementId}", reissue);
    }

    static async Task<StatementReissued?> Correction(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid statementId,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select statement_id, version, reissue_reason from billing.statement where corrects_statement_id = $1
            """, connection, transaction) { Parameters = { new() { Value = statementId } } };
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StatementReissued(reader.GetGuid(0), reader.GetInt32(1), statementId, reader.IsDBNull(2) ? "" : reader.GetString(2), false)
            : null;
    }

    /// <summary>The new version: the money of the one it corrects, the holder as the account has them now. Its version number.</summary>
    static async Task<int> Insert(NpgsqlConnection connection, NpgsqlTransaction transaction, StatementReissued reissue, string actor,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into billing.statement (statement_id, account_id, statement_date, run_id, status, currency, period_start, cutoff,
                opening_balance, purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due,
                due_date, entry_count, created_at, holder_name, locale, time_zone, apr, credit_limit, snapshot_at,
                version, corrects_statement_id, reissue_reason, reissued_by)
            select $1, s.account_id, s.statement_date, null, 'ready', s.currency, s.period_start, s.cutoff,
                s.opening_balance, s.purchases, s.repayments, s.refunds, s.fees, s.interest, s.adjustments, s.closing_balance, s.minimum_due,
                s.past_due, s.due_date, s.entry_count, clock_timestamp(), a.name, a.locale, coalesce(s.time_zone, l.time_zone),
                coalesce(s.apr, l.apr), coalesce(s.credit_limit, l.credit_limit), clock_timestamp(),
                s.version + 1, s.statement_id, $3, left($4, 200)
            from billing.statement s join billing.account a using (account_id) join billing.loan l using (account_id)
            where s.statement_id = $2
            returning version
            """, connection, transaction)
        {
            Parameters = { new() { Value = reissue.StatementId }, new() { Value = reissue.CorrectsStatementId }, new() { Value = reissue.Reason },
                new() { Value = actor } },
        };
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    static Task InsertLines(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid statementId,
        IReadOnlyList<StatementPdfs.StatementLine> lines, CancellationToken ct) =>
        connection.ExecuteAsync(transaction, """
            insert into billing.statement_line (statement_id, line_no, booked_on, kind, description, amount)
            select $1, n, d, k, t, a from unnest($2::int[], $3::date[], $4::text[], $5::text[], $6::numeric[]) as u (n, d, k, t, a)
            """, ct, statementId, Enumerable.Range(1, lines.Count).ToArray(), lines.Select(l => l.Date).ToArray(),
            lines.Select(l => l.Kind).ToArray(), lines.Select(l => l.Description).ToArray(), lines.Select(l => l.Amount).ToArray());

    static IResult Refused(string detail, string code, Guid? correctedBy = null) =>
        Results.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Not re-issued", extensions: new Dictionary<string, object?>
        {
            ["code"] = code,
            ["correctedBy"] = correctedBy,
        });
}

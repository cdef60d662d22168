using System.Diagnostics.Metrics;
using Billing.Features.Observability;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Ledger;

/// <summary>
/// Checks the whole ledger against <see cref="LedgerRules"/>: the account rules page by page (keyset on the account id,
/// each page its own short statement, progress counted on the audit row), then the repayment and refund rules once. It
/// only reads the ledger and writes its own two tables, so it can run beside billing runs and repayments.
/// </summary>
public sealed class LedgerAuditor(NpgsqlDataSource dataSource, ILogger<LedgerAuditor> logger)
{
    public const int PageSize = 5000;

    static readonly Meter Meter = new(BillingMetrics.MeterName);
    static readonly Counter<long> ViolationsFound = Meter.CreateCounter<long>("billing_ledger_violations_total", description:
        "Violations of the ledger's rules found by audits, by rule");
    static readonly Counter<long> Audits = Meter.CreateCounter<long>("billing_ledger_audits_total", description: "Ledger audits finished, by outcome");

    /// <param name="providers">The refund rules against the providers' own ledgers; null where no provider is reachable (the API).</param>
    public async Task<LedgerAuditSummary> Run(Guid auditId, string requestedBy, CancellationToken cancellationToken, ProviderLedgerCheck? providers = null)
    {
        var started = await Execute("""
            insert into billing.ledger_audit (audit_id, requested_by, status, accounts)
            values ($1, $2, 'running', (select count(*) from billing.account))
            on conflict (audit_id) do nothing
            """, cancellationToken, auditId, requestedBy);
        if (started == 0)
        {
            // A job Hangfire ran again (at least once): the first run's result stands.
            logger.LogInformation("Ledger audit {AuditId} ran already", auditId);
            return await Summary(auditId, cancellationToken);
        }

        try
        {
            var after = "";
            while (await NextPage(after, cancellationToken) is ({ } last, var size))
            {
                foreach (var rule in LedgerRules.PerAccountPage)
                    await Execute(rule.Sql + " on conflict do nothing", cancellationToken, auditId, after, last);
                await Execute("update billing.ledger_audit set accounts_checked = accounts_checked + $2 where audit_id = $1",
                    cancellationToken, auditId, size);
                after = last;
            }

            foreach (var rule in LedgerRules.Once)
                await Execute(rule.Sql + " on conflict do nothing", cancellationToken, auditId);
            if (providers is not null && await providers.Run(auditId, cancellationToken) is { Count: > 0 } notes)
                await Execute("update billing.ledger_audit set notes = notes || $2 where audit_id = $1", cancellationToken, auditId, notes.ToArray());
            await Execute("""
                update billing.ledger_audit set status = 'finished', finished_at = now(),
                    violations = (select count(*) from billing.ledger_violation where audit_id = $1)
                where audit_id = $1
                """, cancellationToken, auditId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Execute("update billing.ledger_audit set status = 'failed', finished_at = now(), error = left($2, 1000) where audit_id = $1",
                CancellationToken.None, auditId, e.Message);
            Audits.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            throw;
        }

        var summary = await Summary(auditId, cancellationToken);
        foreach (var (rule, count) in summary.ByRule)
            ViolationsFound.Add(count, new KeyValuePair<string, object?>("rule", rule));
        Audits.Add(1, new KeyValuePair<string, object?>("outcome", summary.Violations == 0 ? "clean" : "violations"));
        if (summary.Violations > 0)
            logger.LogWarning("Ledger audit {AuditId}: {Violations} violation(s) ({ByRule})", auditId, summary.Violations,
                string.Join(", ", summary.ByRule.Select(r => $"{r.Key} {r.Value}")));
        else
            logger.LogInformation("Ledger audit {AuditId}: {Accounts} accounts, no violation", auditId, summary.AccountsChecked);
        return summary;
    }

    public async Task<LedgerAuditSummary> Summary(Guid auditId, CancellationToken cancellationToken) =>
        (await Summaries(auditId, 1, cancellationToken)).SingleOrDefault() ?? throw new InvalidOperationException($"No ledger audit {auditId}.");

    /// <summary>One audit (<paramref name="auditId"/>) or the latest <paramref name="limit"/>, newest first, in one query.</summary>
    /// <summary>An audit's violations, by rule and account, the first <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<LedgerViolationView>> Violations(Guid auditId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select rule, account_id, subject, expected, actual, detail from billing.ledger_violation
            where audit_id = $1 order by rule, account_id, subject limit $2
            """);
        command.Parameters.Add(new() { Value = auditId });
        command.Parameters.Add(new() { Value = limit });
        var violations = new List<LedgerViolationView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            violations.Add(new LedgerViolationView(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDecimal(3), reader.IsDBNull(4) ? null : reader.GetDecimal(4), reader.GetString(5)));
        return violations;
    }

    public async Task<IReadOnlyList<LedgerAuditSummary>> Summaries(Guid? auditId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select a.audit_id, a.status, a.accounts, a.accounts_checked, a.started_at, a.finished_at, a.requested_by,
                   coalesce((select jsonb_object_agg(rule, n) from (select rule, count(*) n from billing.ledger_violation v
                             where v.audit_id = a.audit_id group by rule) r), '{}')::text, a.notes
            from billing.ledger_audit a where $1::uuid is null or a.audit_id = $1
            order by a.started_at desc limit $2
            """);
        command.Parameters.Add(new() { Value = (object?)auditId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        var summaries = new List<LedgerAuditSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var byRule = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(7))!;
            summaries.Add(new LedgerAuditSummary(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), byRule.Values.Sum(),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), byRule,
                reader.GetFieldValue<string[]>(8)));
        }

        return summaries;
    }

    /// <summary>The last account id of the page after <paramref name="after"/> and the page's size; no id past the end.</summary>
    async Task<(string? Last, int Size)> NextPage(string after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select max(account_id), count(*)::int from (select account_id from billing.account where account_id > $1 order by account_id limit $2) page
            """);
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = PageSize });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt32(1));
    }

    async Task<int> Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddPositional(values);
        // An audit of a large ledger runs long statements by design.
        command.CommandTimeout = 600;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed record LedgerAuditSummary(Guid AuditId, string Status, int Accounts, int AccountsChecked, int Violations,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string RequestedBy, IReadOnlyDictionary<string, int> ByRule,
    IReadOnlyList<string> Notes);

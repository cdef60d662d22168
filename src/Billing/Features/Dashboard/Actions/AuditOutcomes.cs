using System.Text.Json;
using Billing.Features.BillingRuns;
using Billing.Features.Refunds.Saga;
using Npgsql;

namespace Billing.Features.Dashboard.Actions;

/// <summary>
/// What became of the audited requests on a page of the trail, shown beside each: the answer a refused one got, and for a
/// request a saga carries out (a refund's retry, resolve or cancel; an account's resume) the entity's state now, such as
/// "refunded" or "halted at validation: no_contact". Two or three reads per page, by primary key.
/// </summary>
public sealed class AuditOutcomes(NpgsqlDataSource db)
{
    public async Task<IReadOnlyDictionary<long, string>> Of(IReadOnlyList<AuditRow> rows, CancellationToken ct)
    {
        var outcomes = new Dictionary<long, string>();
        foreach (var row in rows.Where(r => r.Action.EndsWith(".refused", StringComparison.Ordinal)))
            outcomes[row.EntryId] = Refusal(row.After);

        var asked = rows.Where(r => !outcomes.ContainsKey(r.EntryId)).ToList();
        var refunds = asked.Where(r => r.EntityType == "refund" && r.Action.StartsWith("refund.", StringComparison.Ordinal))
            .Select(r => (Row: r, Id: Guid.TryParse(r.EntityId, out var id) ? id : (Guid?)null)).Where(r => r.Id is not null).ToList();
        if (refunds.Count > 0)
        {
            var now = await Refunds([.. refunds.Select(r => r.Id!.Value).Distinct()], ct);
            foreach (var (row, id) in refunds)
                if (now.GetValueOrDefault(id!.Value) is { } state)
                    outcomes[row.EntryId] = state;
        }

        var accounts = asked.Where(r => r.EntityType == "account_billing" && r.EntityId.Split('/') is [var run, _] && Guid.TryParse(run, out _)).ToList();
        if (accounts.Count > 0)
        {
            var now = await Accounts([.. accounts.Select(r => r.EntityId).Distinct()], ct);
            foreach (var row in accounts)
                if (now.GetValueOrDefault(row.EntityId) is { } state)
                    outcomes[row.EntryId] = state;
        }
        return outcomes;
    }

    static string Refusal(string? after)
    {
        try
        {
            using var json = JsonDocument.Parse(after ?? "{}");
            var root = json.RootElement;
            return $"refused{(root.TryGetProperty("status", out var s) ? $" ({s})" : "")}: {(root.TryGetProperty("reason", out var r) ? r.GetString() : "")}";
        }
        catch (JsonException)
        {
            return "refused";
        }
    }

    async Task<Dictionary<Guid, string>> Refunds(Guid[] ids, CancellationToken ct) =>
        (await DashboardQueries.Rows(db, """
            select correlation_id, current_state, refunded_at, last_error_code, last_error_message, updated_at
            from refunds.refund where correlation_id = any($1)
            """, r =>
        {
            var status = RefundStatus.OfState(r.IsDBNull(1) ? null : r.GetString(1));
            var at = r.GetFieldValue<DateTimeOffset>(r.IsDBNull(2) ? 5 : 2);
            var error = status is RefundStatus.Failed or RefundStatus.NeedsSupport && !r.IsDBNull(3) ? $": {r.GetString(3)} {(r.IsDBNull(4) ? "" : r.GetString(4))}".TrimEnd() : "";
            return (Id: r.GetGuid(0), Text: $"refund now {status}{error} (since {at:yyyy-MM-dd HH:mm:ss} UTC)");
        }, ct, ids)).ToDictionary(x => x.Id, x => x.Text);

    /// <summary>Keyed by the audit's entity id, "{runId}/{accountId}"; the saga's id comes from the run's date and the account.</summary>
    async Task<Dictionary<string, string>> Accounts(string[] entityIds, CancellationToken ct)
    {
        var pairs = entityIds.Select(e => e.Split('/')).Select(p => (Run: Guid.Parse(p[0]), Account: p[1])).ToList();
        var dates = (await DashboardQueries.Rows(db, "select run_id, statement_date from billing.billing_run where run_id = any($1)",
            r => (Run: r.GetGuid(0), Date: r.GetFieldValue<DateOnly>(1)), ct, pairs.Select(p => p.Run).Distinct().ToArray())).ToDictionary(x => x.Run, x => x.Date);
        var sagas = pairs.Where(p => dates.ContainsKey(p.Run))
            .ToDictionary(p => BillingIds.Billing(dates[p.Run], p.Account), p => $"{p.Run}/{p.Account}");
        if (sagas.Count == 0)
            return [];
        return (await DashboardQueries.Rows(db, """
            select correlation_id, current_state, step, halt_reason, updated_at from billing.account_billing where correlation_id = any($1)
            """, r =>
        {
            var state = r.IsDBNull(1) ? "started" : r.GetString(1);
            var text = state == "Halted"
                ? $"halted at {(r.IsDBNull(2) ? "?" : r.GetString(2))}: {(r.IsDBNull(3) ? "?" : r.GetString(3))}"
                : state.ToLowerInvariant();
            return (Id: sagas[r.GetGuid(0)], Text: $"account now {text} (since {r.GetFieldValue<DateTimeOffset>(4):yyyy-MM-dd HH:mm:ss} UTC)");
        }, ct, sagas.Keys.ToArray())).ToDictionary(x => x.Id, x => x.Text);
    }
}

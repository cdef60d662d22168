using Billing.Features.StatementDelivery;
using Npgsql;

namespace Billing.Features.Dashboard;

/// <summary>A halt (by the saga) or a resume (by a person, from the audit trail) of one account's billing.</summary>
public sealed record BillingEvent(DateTimeOffset At, bool IsHalt, string? Step, string? Reason, string? Detail, string? Actor);

/// <summary>
/// One billing of the account (a run's statement date) that has halted at least once: where it is now, and its halts and
/// resumes, oldest first.
/// </summary>
public sealed record AccountBilling(Guid RunId, DateOnly StatementDate, string? State, string? Step, string? Reason, List<BillingEvent> History)
{
    public bool IsHalted => State == "Halted";

    /// <summary>A resume was asked for after the last halt and the saga has not acted on it yet.</summary>
    public bool ResumePending => IsHalted && History.Count > 0 && !History[^1].IsHalt;

    /// <summary>Nothing will change without someone acting: the page stops following it.</summary>
    public bool Settled => State is "Halted" or "Ready" or "Delivered" or null && !ResumePending;

    public string Outcome => State switch
    {
        "Halted" when ResumePending => "resume requested: waiting for billing",
        "Halted" when History.Count(e => e.IsHalt) > 1 => $"halted again at {Step}: {Reason}",
        "Halted" => $"halted at {Step}: {Reason}",
        "Ready" => "billed",
        "Delivered" => "delivered",
        null => "gone",
        _ => $"billing ({State} at {Step})",
    };
}

/// <summary>What the account page shows of the account's billings and of the audit trail, each an indexed read.</summary>
public sealed class AccountBillings(NpgsqlDataSource db)
{
    const int HaltsShown = 200;
    const int AuditShown = 100;

    /// <summary>
    /// The billings the account ever halted in (billing.account_halt, migrations/0034), each with its state now and its
    /// halts and resumes in order; the resumes are the audit trail's, single or by step.
    /// </summary>
    public async Task<List<AccountBilling>> Halted(string accountId, CancellationToken ct)
    {
        var halts = await Rows("""
            select billing_id, run_id, statement_date, step, reason, detail, halted_at from billing.account_halt
            where account_id = $1 order by halted_at desc limit $2
            """, r => (Billing: r.GetGuid(0), Run: r.GetGuid(1), Date: r.GetFieldValue<DateOnly>(2),
            Event: new BillingEvent(r.GetFieldValue<DateTimeOffset>(6), true, r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), null)),
            ct, accountId, HaltsShown);
        if (halts.Count == 0)
            return [];

        var billings = halts.Select(h => h.Billing).Distinct().ToArray();
        var states = (await Rows("""
            select correlation_id, current_state, step, halt_reason from billing.account_billing where correlation_id = any($1)
            """, r => (Id: r.GetGuid(0), State: r.IsDBNull(1) ? null : r.GetString(1), Step: r.IsDBNull(2) ? null : r.GetString(2),
            Reason: r.IsDBNull(3) ? null : r.GetString(3)), ct, (object)billings)).ToDictionary(s => s.Id);

        var runs = halts.DistinctBy(h => h.Run).ToDictionary(h => $"{h.Run}/{accountId}", h => h.Run);
        var resumes = await Rows("""
            select entity_id, at, actor from audit.entry where entity_type = 'account_billing' and entity_id = any($1)
              and action in ('billing.resume', 'billing.resume_step')
            """, r => (Run: runs[r.GetString(0)], Event: new BillingEvent(r.GetFieldValue<DateTimeOffset>(1), false, null, null, null, r.GetString(2))),
            ct, (object)runs.Keys.ToArray());

        return halts.GroupBy(h => h.Billing).Select(g =>
        {
            var first = g.First();
            var state = states.GetValueOrDefault(g.Key);
            var history = g.Select(h => h.Event).Concat(resumes.Where(x => x.Run == first.Run).Select(x => x.Event))
                .OrderBy(e => e.At).ToList();
            return new AccountBilling(first.Run, first.Date, state.State, state.Step, state.Reason, history);
        }).OrderByDescending(b => b.StatementDate).ToList();
    }

    /// <summary>
    /// The audit entries about the account, newest first: its contact, its billings' resumes, its statements' re-issues
    /// and delivery retries, and its refunds' actions. One index probe per entity (audit.entry_entity).
    /// </summary>
    public Task<List<AuditRow>> Audit(string accountId, IEnumerable<Guid> runIds, IEnumerable<Guid> statementIds, IEnumerable<Guid> refundIds,
        CancellationToken ct)
    {
        var keys = new List<(string Type, string Id)> { ("account", accountId) };
        keys.AddRange(runIds.Distinct().Select(r => ("account_billing", $"{r}/{accountId}")));
        foreach (var statement in statementIds)
        {
            keys.Add(("statement", statement.ToString()));
            keys.AddRange(DeliveryChannels.All.Select(c => ("statement_delivery", $"{statement}/{c}")));
        }
        keys.AddRange(refundIds.Select(r => ("refund", r.ToString())));
        return Rows("""
            select e.entry_id, e.at, e.actor, e.actor_kind, e.action, e.entity_type, e.entity_id, e.before::text, e.after::text, e.note
            from unnest($1::text[], $2::text[]) as k (entity_type, entity_id)
            cross join lateral (select * from audit.entry e where e.entity_type = k.entity_type and e.entity_id = k.entity_id
                                order by e.at desc limit $3) e
            order by e.at desc, e.entry_id desc limit $3
            """, r => new AuditRow(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4),
            r.GetString(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9)), ct,
            (object)keys.Select(k => k.Type).ToArray(), (object)keys.Select(k => k.Id).ToArray(), AuditShown);
    }

    Task<List<T>> Rows<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct, params object[] parameters) =>
        DashboardQueries.Rows(db, sql, map, ct, parameters);
}

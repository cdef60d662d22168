using Npgsql;
using NpgsqlTypes;

namespace Billing.Features.Dashboard;

/// <param name="StalledSince">Set while the run's fan-out waits with nothing settling (<c>BillingRuns:StallAfter</c>).</param>
/// <param name="Settled">Accounts in a settled state (<see cref="BillingRuns.Runs.RunStates.Settled"/>): the rest of the published are in flight.</param>
public sealed record RunRow(Guid RunId, DateOnly StatementDate, string Status, string Trigger, int Total, int Published, DateTimeOffset StartedAt,
    DateTimeOffset? StalledSince, int Halted = 0, int Settled = 0, int FailedDeliveries = 0, int DeliveriesInFlight = 0)
{
    public int BillingInFlight => BillingRuns.Runs.RunStates.InFlight(Published, Settled);

    public string Phase => RunPhase.Of(Status, BillingInFlight, DeliveriesInFlight);
}

/// <summary>A statement date on which accounts were due but no billing run exists.</summary>
public sealed record MissedRunDate(DateOnly StatementDate, int AccountsDue);

public sealed record StatementRow(Guid StatementId, string AccountId, string Currency, decimal ClosingBalance, string? DeliveryStatus,
    DateTimeOffset? RenderedAt);

public sealed record PaidTwiceRefund(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, DateTimeOffset PaidTwiceAt,
    string Status);

/// <summary>One reconciler run: who or what started it, what it counted, and when its support mail went out.</summary>
public sealed record ReconcilerRunRow(Guid RunId, string Trigger, DateTimeOffset DueAt, DateTimeOffset StartedAt, int Expected, int Refunded,
    int NeedsSupport, int Skipped, DateTimeOffset? CompletedAt, DateTimeOffset? MailSentAt)
{
    /// <summary>The trigger in words: the schedule, the janitor's sweep, or the person (<c>manual:{name}</c>).</summary>
    public string StartedBy => Trigger switch
    {
        "schedule" => "the daily schedule",
        "janitor" => "the janitor (stuck refunds only)",
        _ when Trigger.StartsWith("manual:", StringComparison.Ordinal) => Trigger["manual:".Length..],
        _ => Trigger,
    };

    public bool ByPerson => Trigger.StartsWith("manual:", StringComparison.Ordinal);
}

public sealed record Tally(string Key, string? Detail, int Count);

/// <summary>Refunds (not attempts) requested in a window that ended, or stand, at <paramref name="Outcome"/> after a failed attempt, by cause.</summary>
/// <param name="Outcome">A refund status: failed, needs_support, refunded (after at least one failed attempt), resolved_by_hand, cancelled.</param>
public sealed record RefundOutcome(string Outcome, string Cause, int Refunds);

public sealed record RenderMinute(DateTimeOffset Minute, int Renders, double AveragePages, double AverageBytes, int? AverageMs, int? MaxMs);

public sealed record AuditRow(long EntryId, DateTimeOffset At, string Actor, string ActorKind, string Action, string EntityType, string EntityId,
    string? Before, string? After, string? Note);

public sealed record AuditFilter(string? Actor, string? Action, string? EntityType, string? EntityId, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>The dashboard's reads that no REST endpoint already makes: lists and tallies straight from the tables.</summary>
public sealed class DashboardQueries(NpgsqlDataSource db)
{
    /// <summary>
    /// The latest runs with their health: halted accounts (the partial index <c>account_billing_halted</c>), accounts
    /// settled (an index-only count on <c>account_billing_run_state</c>), failed and unsettled deliveries (the partial
    /// indexes <c>delivery_failed</c>, migration 0033, and <c>delivery_unsettled</c>: both small, as failures are rare).
    /// </summary>
    public Task<List<RunRow>> Runs(CancellationToken ct) => Rows("""
        with runs as (
            select run_id, statement_date, status, trigger, total, published, started_at, stalled_since
            from billing.billing_run order by statement_date desc, started_at desc limit 60)
        select r.*,
               (select count(*) from billing.account_billing a where a.run_id = r.run_id and a.current_state = 'Halted')::int,
               (select count(*) from billing.account_billing a where a.run_id = r.run_id and a.current_state = any($1))::int,
               (select count(*) from billing.delivery d join billing.statement s using (statement_id)
                 where s.run_id = r.run_id and d.status in ('failed', 'unknown'))::int,
               (select count(*) from billing.delivery d join billing.statement s using (statement_id)
                 where s.run_id = r.run_id and d.status in ('pending', 'sending', 'retrying'))::int
        from runs r order by r.statement_date desc, r.started_at desc
        """, r => new RunRow(r.GetGuid(0), r.GetFieldValue<DateOnly>(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5),
        r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.GetInt32(8), r.GetInt32(9),
        r.GetInt32(10), r.GetInt32(11)), ct,
        // A parameter object of its own: a bare string[] would spread into params object[] as four parameters.
        new NpgsqlParameter { Value = BillingRuns.Runs.RunStates.Settled, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

    /// <summary>
    /// The dates from <paramref name="from"/> to <paramref name="to"/> with no billing run on which accounts were due and have no
    /// statement, newest
    /// first, with how many: one query, grouped by date, that reads the loans only for dates with no run (none, normally), by
    /// a range on <c>loan_statement_day (statement_day, account_id)</c>: the date's day, or on a month's last day every day
    /// from it to 31 (<see cref="BillingRuns.Runs.DueAccounts.StatementDays"/>).
    /// </summary>
    public Task<List<MissedRunDate>> DatesWithoutRun(DateOnly from, DateOnly to, CancellationToken ct) => Rows("""
        with missed as (
            select d::date as day, extract(day from d)::smallint as first_day,
                   case when extract(month from d + interval '1 day') <> extract(month from d) then 31 else extract(day from d) end::smallint as last_day
            from generate_series($1::date, $2::date, interval '1 day') d
            where not exists (select 1 from billing.billing_run r where r.statement_date = d::date))
        select m.day, count(*)::int
        from missed m join billing.loan l on l.statement_day between m.first_day and m.last_day and l.opened_on < m.day
        -- Not due after all: a statement for the date is there (imported from the system before), or the account's billing
        -- began after it (a later statement's period starts at that date or after), as the auditor's statement_missing says.
        where not exists (select 1 from billing.statement s where s.account_id = l.account_id and s.statement_date = m.day)
          and not exists (select 1 from billing.statement s where s.account_id = l.account_id and s.statement_date > m.day
                            and s.period_start >= m.day::timestamp at time zone l.time_zone)
        group by m.day order by m.day desc
        """, r => new MissedRunDate(r.GetFieldValue<DateOnly>(0), r.GetInt32(1)), ct, from, to);

    /// <summary>A run's statements in account order, from an account id on (a search box, not a full list).</summary>
    public Task<List<StatementRow>> Statements(Guid runId, string? fromAccount, int limit, CancellationToken ct) => Rows("""
        select statement_id, account_id, trim(currency), closing_balance, delivery_status, rendered_at
        from billing.statement where run_id = $1 and account_id >= $2 order by account_id limit $3
        """, r => new StatementRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.IsDBNull(4) ? null : r.GetString(4),
        r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5)), ct, runId, fromAccount ?? "", limit);

    public Task<List<PaidTwiceRefund>> PaidTwice(CancellationToken ct) => Rows("""
        select correlation_id, payment_id, amount, trim(currency), method, paid_twice_at, current_state
        from refunds.refund where paid_twice_at is not null order by paid_twice_at desc limit 50
        """, r => new PaidTwiceRefund(r.GetGuid(0), r.GetString(1), r.GetDecimal(2), r.GetString(3), r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5), Refunds.Saga.RefundStatus.OfState(r.GetString(6))), ct);

    /// <summary>Accounts halted now, by step and reason, over every run.</summary>
    public Task<List<Tally>> HaltsByStep(CancellationToken ct) => Rows("""
        select coalesce(step, '?'), halt_reason, count(*)::int from billing.account_billing
        where current_state = 'Halted' group by 1, 2 order by 3 desc
        """, r => new Tally(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt32(2)), ct);

    /// <summary>
    /// Refunds requested from <paramref name="from"/> to <paramref name="to"/> that met a failure, by where they stand now and
    /// the last failed attempt's code: what the attempt counts cannot say (thousands of attempts can be a few refunds, mostly
    /// paid in the end). A refunded refund with a last error code was refunded after retries.
    /// </summary>
    public Task<List<RefundOutcome>> RefundOutcomes(DateTimeOffset from, DateTimeOffset to, CancellationToken ct) => Rows("""
        select case current_state when 'Failed' then 'failed' when 'NeedsSupport' then 'needs_support' when 'Refunded' then 'refunded'
                                  when 'ResolvedByHand' then 'resolved_by_hand' else 'cancelled' end,
               coalesce(last_error_code, 'unknown'), count(*)::int
        from refunds.refund
        where requested_at >= $1 and requested_at < $2
          and (current_state in ('Failed', 'NeedsSupport', 'ResolvedByHand', 'Cancelled') or (current_state = 'Refunded' and last_error_code is not null))
        group by 1, 2 order by 3 desc
        """, r => new RefundOutcome(r.GetString(0), r.GetString(1), r.GetInt32(2)), ct, from, to);

    /// <summary>The latest reconciler runs, newest first; the janitor's runs (every few minutes) only when asked for.</summary>
    public Task<List<ReconcilerRunRow>> ReconcilerRuns(bool withJanitor, int limit, CancellationToken ct) => Rows("""
        select run_id, trigger, due_at, started_at, expected, refunded, needs_support, skipped, completed_at, mail_sent_at
        from refunds.reconciler_run where $1 or trigger <> 'janitor' order by started_at desc limit $2
        """, r => new ReconcilerRunRow(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3),
        r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9)), ct, withJanitor, limit);

    public Task<List<Tally>> DeliveriesByChannel(CancellationToken ct) => Rows("""
        select channel, status, count(*)::int from billing.delivery group by 1, 2 order by 1, 2
        """, r => new Tally(r.GetString(0), r.GetString(1), r.GetInt32(2)), ct);

    /// <summary>PDFs rendered per minute since <paramref name="since"/>, with their render times (null for PDFs from before render_ms).</summary>
    public Task<List<RenderMinute>> RendersPerMinute(DateTimeOffset since, CancellationToken ct) => Rows("""
        select date_trunc('minute', rendered_at), count(*)::int, avg(pdf_pages)::float8, avg(pdf_bytes)::float8,
               avg(render_ms)::int, max(render_ms)
        from billing.statement where rendered_at >= $1 group by 1 order by 1 desc limit 60
        """, r => new RenderMinute(r.GetFieldValue<DateTimeOffset>(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3),
        r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : r.GetInt32(5)), ct, since);

    /// <summary>
    /// A page of the audit trail. Without <paramref name="withFailedLogins"/> the failed logins and lock-outs are left out: their
    /// actor is the username as typed (a mistyped one is often someone's password), so only admins see them (docs/access.md).
    /// </summary>
    public async Task<(List<AuditRow> Rows, bool More)> Audit(AuditFilter f, bool withFailedLogins, int page, int pageSize, CancellationToken ct)
    {
        var rows = await Rows("""
            select entry_id, at, actor, actor_kind, action, entity_type, entity_id, before::text, after::text, note
            from audit.entry
            where ($1::text is null or actor = $1) and ($2::text is null or action like $2 || '%')
              and ($3::text is null or entity_type = $3) and ($4::text is null or entity_id = $4)
              and ($5::timestamptz is null or at >= $5) and ($6::timestamptz is null or at < $6)
              and ($9 or action not in ('login.failed', 'login.locked_out'))
            order by at desc, entry_id desc offset $7 limit $8
            """, r => new AuditRow(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4),
            r.GetString(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetString(9)), ct,
            Text(f.Actor), Text(f.Action), Text(f.EntityType), Text(f.EntityId),
            new NpgsqlParameter { Value = (object?)f.From ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new NpgsqlParameter { Value = (object?)f.To ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            (page - 1) * pageSize, pageSize + 1, withFailedLogins);
        var more = rows.Count > pageSize;
        return (more ? rows.GetRange(0, pageSize) : rows, more);
    }

    static NpgsqlParameter Text(string? value) => new() { Value = string.IsNullOrWhiteSpace(value) ? DBNull.Value : value.Trim(), NpgsqlDbType = NpgsqlDbType.Text };

    Task<List<T>> Rows<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct, params object[] parameters) =>
        Rows(db, sql, map, ct, parameters);

    /// <summary>The rows of one query, its parameters positional ($1, $2, …); shared by the dashboard's other query classes.</summary>
    internal static async Task<List<T>> Rows<T>(NpgsqlDataSource db, string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct,
        params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters)
            command.Parameters.Add(p as NpgsqlParameter ?? new NpgsqlParameter { Value = p });
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(map(reader));
        return rows;
    }
}

namespace Billing.Features.Ledger;

/// <summary>
/// The rules the ledger must keep (docs/passbook.md, *The ledger auditor*), each as one set-based insert of its
/// violations. $1 is the audit; the account rules take a page of account ids ($2 exclusive, $3 inclusive), the refund and
/// repayment rules run once over everything.
/// </summary>
static class LedgerRules
{
    public sealed record Rule(string Name, string Sql);

    const string Insert = "insert into billing.ledger_violation (audit_id, rule, account_id, subject, expected, actual, detail) ";

    public static readonly IReadOnlyList<Rule> PerAccountPage =
    [
        // The passbook at a statement's cut-off is its closing balance: every entry booked before the cut-off that was on
        // the books when the statement was written (later ones are late postings of the next), and the statement's own
        // interest and fee, which it books at its cut-off.
        new("statement_closing", Insert + """
            select $1, 'statement_closing', s.account_id, 'statement ' || s.statement_id, s.closing_balance, coalesce(t.total, 0),
                   'Statement ' || s.statement_date || ' closes at ' || s.closing_balance || ' but the passbook holds ' || coalesce(t.total, 0) || ' at its cut-off'
            from billing.statement s
            left join lateral (
                select sum(e.amount) total from billing.passbook_entry e
                where e.account_id = s.account_id
                  and ((e.booked_at < s.cutoff and e.recorded_at <= s.created_at) or e.statement_id = s.statement_id)) t on true
            where s.account_id > $2 and s.account_id <= $3 and s.status = 'ready' and s.corrects_statement_id is null
              and s.closing_balance <> coalesce(t.total, 0)
            """),
        // What a statement shows adds up: its opening plus its frozen lines is its closing.
        new("statement_lines", Insert + """
            select $1, 'statement_lines', s.account_id, 'statement ' || s.statement_id, s.closing_balance, s.opening_balance + coalesce(l.total, 0),
                   'Statement ' || s.statement_date || ': opening ' || s.opening_balance || ' plus its lines (' || coalesce(l.total, 0) || ') is not its closing ' || s.closing_balance
            from billing.statement s
            left join lateral (select sum(amount) total from billing.statement_line l where l.statement_id = s.statement_id) l on true
            where s.account_id > $2 and s.account_id <= $3 and s.snapshot_at is not null
              and s.opening_balance + coalesce(l.total, 0) <> s.closing_balance
            """),
        // No two statements of an account cover the same days.
        new("statement_overlap", Insert + """
            select $1, 'statement_overlap', a.account_id, 'statement ' || b.statement_id, null, null,
                   'Statement ' || b.statement_date || ' starts its period before statement ' || a.statement_date || ' ended it: the days between were billed twice'
            from billing.statement a
            join billing.statement b on b.account_id = a.account_id and b.statement_date > a.statement_date and b.period_start < a.cutoff
                and b.corrects_statement_id is null
            where a.account_id > $2 and a.account_id <= $3 and a.corrects_statement_id is null
            """),
        // A re-issue corrects what a statement says about its holder, never its money: its figures and lines are those of
        // the version it corrects (a money correction is an entry, shown on the next statement).
        new("statement_reissue", Insert + """
            select $1, 'statement_reissue', r.account_id, 'statement ' || r.statement_id, o.closing_balance, r.closing_balance,
                   'Re-issue ' || r.version || ' of the statement ' || r.statement_date || ' differs from the version it corrects in its figures or lines'
            from billing.statement r
            join billing.statement o on o.statement_id = r.corrects_statement_id
            where r.account_id > $2 and r.account_id <= $3
              and ((r.opening_balance, r.purchases, r.repayments, r.refunds, r.fees, r.interest, r.adjustments, r.closing_balance,
                    r.minimum_due, r.past_due, r.due_date, r.period_start, r.cutoff, r.currency)
                   is distinct from (o.opening_balance, o.purchases, o.repayments, o.refunds, o.fees, o.interest, o.adjustments,
                    o.closing_balance, o.minimum_due, o.past_due, o.due_date, o.period_start, o.cutoff, o.currency)
                or exists (select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = r.statement_id
                           except select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = o.statement_id)
                or exists (select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = o.statement_id
                           except select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = r.statement_id))
            """),
        // An account due on a past date has a statement then, or a billing of it halted with its reason: the date of a run
        // that fanned out, and a date no run billed at all (the daily job down for longer than its catch-up days) from the
        // first run on (before it, statements came from the system before) to two days ago (today's run, in a zone behind
        // UTC, may not have begun). One violation per account: the subject names the account and the date.
        new("statement_missing", Insert + """
            with due_dates as (
                select r.statement_date as day, 'run ' || r.run_id as what from billing.billing_run r
                where r.status = 'fanned_out' and r.fanned_out_at < now() - interval '10 minutes'
                union all
                select d::date, 'no billing run for that date'
                from generate_series((select min(statement_date) from billing.billing_run)::timestamp, (current_date - 2)::timestamp, interval '1 day') d
                where not exists (select 1 from billing.billing_run r where r.statement_date = d::date))
            select $1, 'statement_missing', l.account_id, left('account ' || l.account_id || ' due ' || m.day, 200), null, null,
                   'Due on ' || m.day || ' (' || m.what || ') but has no statement then and no halt with a reason'
            from due_dates m
            join billing.loan l on l.opened_on < m.day
                and least(l.statement_day::int, extract(day from (date_trunc('month', m.day) + interval '1 month - 1 day'))::int)
                    = extract(day from m.day)::int
            where l.account_id > $2 and l.account_id <= $3
              and not exists (select 1 from billing.statement s where s.account_id = l.account_id and s.statement_date = m.day)
              -- A later statement whose period starts after that date's cut-off (an imported one, say) began the account's
              -- billing here after it: nothing was due then. One whose period spans the date billed two periods as one.
              and not exists (select 1 from billing.statement s where s.account_id = l.account_id and s.statement_date > m.day
                                and s.period_start >= m.day::timestamp at time zone l.time_zone)
              and not exists (select 1 from billing.account_billing b
                              where b.account_id = l.account_id and b.statement_date = m.day
                                and (b.halt_reason is not null or b.current_state in ('RetryScheduled', 'WaitingForCutoff')))
            """),
    ];

    public static readonly IReadOnlyList<Rule> Once =
    [
        // A repayment report is one entry, of its amount, on its account.
        new("repayment_entry", Insert + """
            select $1, 'repayment_entry', p.account_id, 'repayment ' || p.gateway_payment_id, -p.amount, e.amount,
                   'Repayment ' || p.gateway_payment_id || ' of ' || p.amount || ' is booked as ' || e.amount || ' on ' || e.account_id
            from billing.repayment p join billing.passbook_entry e on e.entry_id = p.entry_id
            where e.amount <> -p.amount or e.account_id <> p.account_id or e.kind <> 'repayment'
            """),
        // A reversal of a repayment (a chargeback) is one entry, of its amount, on its account.
        new("reversal_entry", Insert + """
            select $1, 'reversal_entry', v.account_id, left('reversal ' || v.reversal_id || ' of ' || v.gateway_payment_id, 200), v.amount, e.amount,
                   'Reversal ' || v.reversal_id || ' of repayment ' || v.gateway_payment_id || ' of ' || v.amount || ' is booked as ' || e.amount || ' on ' || e.account_id
            from billing.repayment_reversal v join billing.passbook_entry e on e.entry_id = v.entry_id
            where e.amount <> v.amount or e.account_id <> v.account_id or e.kind <> 'repayment'
            """),
        // A move of a repayment is two entries of its amount: taken off the account it was on, booked on the one it went to.
        new("move_entries", Insert + """
            select $1, 'move_entries', m.to_account_id, left('move ' || m.move_no || ' of ' || m.gateway_payment_id, 200), m.amount, o.amount,
                   'Move ' || m.move_no || ' of repayment ' || m.gateway_payment_id || ' from ' || m.from_account_id || ' to ' || m.to_account_id
                   || ' of ' || m.amount || ' is booked as ' || o.amount || ' on ' || o.account_id || ' and ' || i.amount || ' on ' || i.account_id
            from billing.repayment_move m
            join billing.passbook_entry o on o.entry_id = m.out_entry_id
            join billing.passbook_entry i on i.entry_id = m.in_entry_id
            where o.amount <> m.amount or o.account_id <> m.from_account_id or o.kind <> 'repayment'
               or i.amount <> -m.amount or i.account_id <> m.to_account_id or i.kind <> 'repayment'
            """),
        // No repayment is taken back for more than was paid.
        new("reversal_exceeds_repayment", Insert + """
            select $1, 'reversal_exceeds_repayment', p.account_id, 'repayment ' || p.gateway_payment_id, p.amount, sum(v.amount),
                   'Repayment ' || p.gateway_payment_id || ' of ' || p.amount || ' is reversed for ' || sum(v.amount)
            from billing.repayment p join billing.repayment_reversal v on v.gateway_payment_id = p.gateway_payment_id
            group by p.gateway_payment_id, p.account_id, p.amount
            having sum(v.amount) > p.amount
            """),
        // Every refund of a repayment is booked for what it paid: a refunded one once, one resolved as paid elsewhere once,
        // any other nothing (net of reversals).
        new("refund_booking", Insert + """
            select $1, 'refund_booking', p.account_id, 'refund ' || r.correlation_id, x.expected, coalesce(b.booked, 0),
                   'Refund ' || r.correlation_id || ' of ' || r.payment_id || ' (' || r.current_state || ') should have ' || x.expected
                   || ' booked, the passbook has ' || coalesce(b.booked, 0)
            from refunds.refund r
            join billing.repayment p on p.gateway_payment_id = r.payment_id
            cross join lateral (select case when r.current_state = 'Refunded' or (r.current_state = 'ResolvedByHand' and r.counts_against_payment)
                                            then r.amount else 0 end as expected) x
            left join lateral (
                select sum(e.amount) booked from billing.passbook_entry e
                where e.account_id = p.account_id and e.kind = 'refund'
                  and (starts_with(e.external_ref, 'refund:' || r.correlation_id) or starts_with(e.external_ref, 'refund-reversal:' || r.correlation_id))) b on true
            where x.expected <> coalesce(b.booked, 0)
            """),
        // Every refund entry has a refund behind it.
        new("refund_entry_unexplained", Insert + """
            select $1, 'refund_entry_unexplained', e.account_id, 'entry ' || e.entry_id, null, e.amount,
                   'Entry ' || e.external_ref || ' books a refund the refund service does not have'
            from billing.passbook_entry e
            where e.kind = 'refund' and (starts_with(e.external_ref, 'refund:') or starts_with(e.external_ref, 'refund-reversal:'))
              and not exists (select 1 from refunds.refund r where r.correlation_id::text = split_part(e.external_ref, ':', 2))
            """),
    ];
}

using Billing.Infrastructure.Postgres;
using Billing.Features.Statements;
using Npgsql;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// What a ready statement writes, queued into the commit batch of its consume transaction: the statement row (one per
/// account and date: a repeated run inserts nothing) and the interest and late fee it posts to the passbook, each under
/// a reference of its own (the late fee's is the late event's, so one missed minimum is charged once). With the row go
/// what the statement shows, frozen (issue 19, W2): the holder's name, the loan's terms and the statement's lines.
/// </summary>
public static class StatementWrites
{
    public static void Queue(BillingWork work, Guid statementId)
    {
        var saga = work.Saga;
        var f = work.Figures!;
        var loan = work.Loan!;
        var ledger = work.Ledger!;
        var tx = work.Transaction;
        var cutoff = saga.Cutoff!.Value;

        tx.Write(PositionalParameters.BatchCommand("""
            insert into billing.statement (statement_id, account_id, statement_date, run_id, status, currency, period_start, cutoff,
                opening_balance, purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due,
                due_date, entry_count, created_at, holder_name, locale, time_zone, apr, credit_limit, snapshot_at)
            values ($1, $2, $3, $4, 'ready', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, clock_timestamp(),
                    $20, $21, $22, $23, $24, clock_timestamp())
            on conflict (account_id, statement_date) where corrects_statement_id is null do nothing
            """, statementId, saga.AccountId, saga.StatementDate, saga.RunId, loan.Currency, ledger.PeriodStart, cutoff,
            f.OpeningBalance, f.Purchases, f.Repayments, f.Refunds, f.Fees, f.Interest, f.Adjustments, f.ClosingBalance, f.MinimumDue,
            f.PastDue, f.DueDate, ledger.Entries.Count, work.Account!.Name, work.Account.Locale, loan.TimeZone, loan.Apr, loan.CreditLimit));

        var zone = work.Zone!;
        var lines = ledger.Entries.Select(e => new Line(StatementCalendar.LocalDate(e.BookedAt, zone), e.Kind, e.Description, e.Amount)).ToList();
        var postedOn = StatementCalendar.LocalDate(cutoff, zone);
        if (work.NewInterest != 0)
        {
            var description = $"Interest {work.PeriodStartDate:yyyy-MM-dd} to {saga.StatementDate.AddDays(-1):yyyy-MM-dd}";
            tx.Write(PostEntry(saga.AccountId, "interest", work.NewInterest, loan.Currency, $"interest:{statementId}", cutoff, statementId, description));
            lines.Add(new Line(postedOn, "interest", description, work.NewInterest));
        }
        if (f.LateFee > 0 && work.Previous is { } previous)
        {
            var description = $"Late fee: the minimum due {previous.DueDate:yyyy-MM-dd} was not paid in time";
            tx.Write(PostEntry(saga.AccountId, "fee", f.LateFee, loan.Currency, $"late-fee:{previous.StatementId}", cutoff, statementId, description));
            lines.Add(new Line(postedOn, "fee", description, f.LateFee));
        }

        if (lines.Count > 0)
            tx.Write(PositionalParameters.BatchCommand("""
                insert into billing.statement_line (statement_id, line_no, booked_on, kind, description, amount)
                select $1, n, d, k, left(t, 500), a from unnest($2::int[], $3::date[], $4::text[], $5::text[], $6::numeric[]) as u (n, d, k, t, a)
                where exists (select 1 from billing.statement s where s.statement_id = $1)
                on conflict do nothing
                """, statementId, Enumerable.Range(1, lines.Count).ToArray(), lines.Select(l => l.BookedOn).ToArray(),
                lines.Select(l => l.Kind).ToArray(), lines.Select(l => l.Description).ToArray(), lines.Select(l => l.Amount).ToArray()));
    }

    sealed record Line(DateOnly BookedOn, string Kind, string Description, decimal Amount);

    // Booked at the cut-off and marked with the statement: the next period starts at this cut-off but skips entries a
    // statement posted, since they are in this closing balance already. Only with the statement: where its insert did
    // nothing (one for the date was there already), neither is the interest nor the fee posted (issue 19, M5).
    static NpgsqlBatchCommand PostEntry(string accountId, string kind, decimal amount, string currency, string reference,
        DateTimeOffset bookedAt, Guid statementId, string description) => PositionalParameters.BatchCommand("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description, statement_id)
            select $1, $2, $3, $4, $5, $6, $6, $7, $8
            where exists (select 1 from billing.statement s where s.statement_id = $8 and s.account_id = $1)
            on conflict (external_ref) do nothing
            """, accountId, kind, amount, currency, reference, bookedAt, description, statementId);
}

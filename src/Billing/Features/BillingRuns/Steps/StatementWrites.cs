using Billing.Infrastructure.Postgres;
using Billing.Features.Statements;
using Npgsql;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// What a ready statement writes, queued into the commit batch of its consume transaction: the statement row (one per
/// account and date: a repeated run inserts nothing) and the interest and late fee it posts to the passbook, each under
/// a reference of its own (the late fee's is the late event's, so one missed minimum is charged once).
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
                due_date, entry_count, created_at)
            values ($1, $2, $3, $4, 'ready', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, clock_timestamp())
            on conflict (account_id, statement_date) do nothing
            """, statementId, saga.AccountId, saga.StatementDate, saga.RunId, loan.Currency, ledger.PeriodStart, cutoff,
            f.OpeningBalance, f.Purchases, f.Repayments, f.Refunds, f.Fees, f.Interest, f.Adjustments, f.ClosingBalance, f.MinimumDue,
            f.PastDue, f.DueDate, ledger.Entries.Count));

        if (work.NewInterest != 0)
            tx.Write(PostEntry(saga.AccountId, "interest", work.NewInterest, loan.Currency, $"interest:{statementId}", cutoff, statementId,
                $"Interest {work.PeriodStartDate:yyyy-MM-dd} to {saga.StatementDate.AddDays(-1):yyyy-MM-dd}"));
        if (f.LateFee > 0 && work.Previous is { } previous)
            tx.Write(PostEntry(saga.AccountId, "fee", f.LateFee, loan.Currency, $"late-fee:{previous.StatementId}", cutoff, statementId,
                $"Late fee: the minimum due {previous.DueDate:yyyy-MM-dd} was not paid in time"));
    }

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

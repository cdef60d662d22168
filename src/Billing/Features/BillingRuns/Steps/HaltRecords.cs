using Billing.Infrastructure.Postgres;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// Keeps each halt in billing.account_halt (migrations/0034), queued into the consume transaction that halts the saga:
/// the saga row keeps only the latest halt, and the account page shows them all beside the resumes between them.
/// </summary>
public static class HaltRecords
{
    public static void Queue(BillingWork work)
    {
        var saga = work.Saga;
        work.Transaction.Write(PositionalParameters.BatchCommand("""
            insert into billing.account_halt (billing_id, run_id, account_id, statement_date, step, reason, detail, halted_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            """, saga.CorrelationId, saga.RunId, saga.AccountId, saga.StatementDate, saga.Step ?? "unknown", saga.HaltReason ?? "unknown",
            (object?)saga.HaltDetail ?? DBNull.Value, work.Now));
    }
}

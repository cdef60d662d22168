using Billing.Features.Statements;
using Microsoft.Extensions.Options;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// The seed blocked repayments while an account was billed, so none was counted twice. Here nothing is blocked: the same
/// payment reported twice is one row already where it arrives (billing.repayment, keyed by the gateway's payment id),
/// and this step fixes the ledger cut-off, so a repayment arriving while the account is billed is booked after it and
/// counts toward the next statement. The account is billed once the cut-off has settled.
/// </summary>
public sealed class BlockDuplicatesStep(IOptionsMonitor<BillingRunOptions> options) : IBillingStep
{
    public string Name => BillingSteps.BlockDuplicates;

    public async Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken)
    {
        await work.LoadAccount(cancellationToken);
        var saga = work.Saga;
        var loan = work.Loan ?? throw StepFailure.Permanent("loan_missing", $"Account {saga.AccountId} has no loan to bill.");
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(loan.TimeZone, out var zone))
            throw StepFailure.Permanent("time_zone_unknown", $"The loan's time zone '{loan.TimeZone}' is not known here.");
        work.Zone = zone;
        if (!StatementCalendar.IsStatementDate(saga.StatementDate, loan.StatementDay))
            throw StepFailure.Permanent("not_due", $"{saga.StatementDate:yyyy-MM-dd} is not a statement date of a loan billed on day {loan.StatementDay}.");

        // A statement on this date (imported, say) or a later one: billing this date now would post its interest again.
        if (work.LatestStatement is { } latest && latest >= saga.StatementDate)
            throw StepFailure.Permanent(latest == saga.StatementDate ? "statement_exists" : "later_statement_exists",
                $"Account {saga.AccountId} already has a statement dated {latest:yyyy-MM-dd}.");

        saga.Cutoff ??= StatementCalendar.Cutoff(saga.StatementDate, zone);
        var settled = saga.Cutoff.Value + options.CurrentValue.CutoffSettle;
        return work.Now < settled ? settled : null;
    }
}

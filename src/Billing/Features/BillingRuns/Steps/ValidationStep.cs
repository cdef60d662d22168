namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// Checks the computed statement before anything is stored or sent: its figures add up, its closing balance is what the
/// passbook says at the cut-off, the dues are sane, and the holder can be reached. Every failure is permanent.
/// </summary>
public sealed class ValidationStep : IBillingStep
{
    public string Name => BillingSteps.Validation;

    public Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken)
    {
        var f = work.Figures!;
        var ledger = work.Ledger!;

        var movements = f.OpeningBalance + f.Purchases - f.Repayments + f.Refunds + f.Fees + f.Interest + f.Adjustments;
        if (movements != f.ClosingBalance)
            throw StepFailure.Permanent("totals_do_not_reconcile",
                $"Opening {f.OpeningBalance} and the period's movements make {movements}, not the closing {f.ClosingBalance}.");

        var expected = ledger.TotalAtCutoff + work.NewInterest + f.LateFee;
        if (expected != f.ClosingBalance)
            throw StepFailure.Permanent("passbook_mismatch",
                $"The passbook holds {ledger.TotalAtCutoff} before the cut-off, so the closing balance should be {expected}, not {f.ClosingBalance}.");

        if (f.MinimumDue < 0 || f.PastDue < 0 || f.MinimumDue > Math.Max(f.ClosingBalance, 0))
            throw StepFailure.Permanent("due_invalid", $"Minimum due {f.MinimumDue} (past due {f.PastDue}) against a closing balance of {f.ClosingBalance}.");

        if (f.DueDate <= work.Saga.StatementDate)
            throw StepFailure.Permanent("due_invalid", $"Due date {f.DueDate:yyyy-MM-dd} is not after the statement date.");

        if (work.Account!.Channels.Count == 0)
            throw StepFailure.Permanent("no_contact",
                "No channel reaches the holder: no e-mail with consent, and no phone number with SMS or WhatsApp consent.");
        return Task.FromResult<DateTimeOffset?>(null);
    }
}

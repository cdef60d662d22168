using Billing.Features.Statements;
using Microsoft.Extensions.Options;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>Computes the statement from the loan's terms and the period's entries (<see cref="StatementCalculator"/>).</summary>
public sealed class LoanStep(IOptionsMonitor<BillingRunOptions> options) : IBillingStep
{
    public string Name => BillingSteps.Loan;

    public Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken)
    {
        var loan = work.Loan!;
        var zone = work.Zone!;
        var ledger = work.Ledger!;
        if (!TryDayCount(loan.DayCount, out var dayCount))
            throw StepFailure.Permanent("terms_invalid", $"Unknown day count '{loan.DayCount}'.");

        var terms = new LoanTerms(loan.Currency, loan.Apr, dayCount, loan.MinimumPercent, loan.MinimumFloor, loan.LateFee, loan.DueDays,
            options.CurrentValue.PaymentCutoff);
        var previous = work.Previous is { } p ? new PreviousStatement(p.StatementDate, p.ClosingBalance, p.MinimumDue, p.DueDate) : null;
        var entries = ledger.Entries.Select(e => new LedgerEntry(Kind(e.Kind), e.Amount,
            // An entry booked in the period counts from its first day at the earliest (an imported statement's cut-off
            // may sit a few hours off the holder's local midnight).
            Max(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(e.BookedAt, zone).DateTime), work.PeriodStartDate),
            TimeZoneInfo.ConvertTime(e.OccurredAt, zone).DateTime, e.ExternalRef)).ToList();
        var input = new StatementInput(work.PeriodStartDate, work.Saga.StatementDate, work.Previous?.ClosingBalance ?? ledger.BeforeStart,
            entries, terms, previous);
        try
        {
            work.Figures = StatementCalculator.Calculate(input);
            work.NewInterest = work.Figures.Interest - entries.Where(e => e.Kind == EntryKind.Interest).Sum(e => e.Amount);
        }
        catch (ArgumentException e)
        {
            throw StepFailure.Permanent("terms_invalid", e.Message);
        }

        return Task.FromResult<DateTimeOffset?>(null);
    }

    static bool TryDayCount(string text, out DayCount dayCount)
    {
        dayCount = text switch { "actual/365" => DayCount.Actual365, "actual/360" => DayCount.Actual360, "30/360" => DayCount.Thirty360, _ => (DayCount)(-1) };
        return (int)dayCount >= 0;
    }

    static EntryKind Kind(string kind) => kind switch
    {
        "purchase" => EntryKind.Purchase,
        "repayment" => EntryKind.Repayment,
        "interest" => EntryKind.Interest,
        "fee" => EntryKind.Fee,
        "refund" => EntryKind.Refund,
        "adjustment" => EntryKind.Adjustment,
        _ => throw StepFailure.Permanent("passbook_invalid", $"Unknown entry kind '{kind}'."),
    };

    static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}

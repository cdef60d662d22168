namespace Billing.Features.Statements;

/// <summary>A statement's figures from its period's entries: pure arithmetic, no clock, no database.</summary>
public static class StatementCalculator
{
    /// <summary>
    /// The figures of the statement dated <see cref="StatementInput.StatementDate"/>: interest on the average daily
    /// balance (none under grace), the late fee for a previous minimum not paid in time, the past due and the minimum due.
    /// </summary>
    /// <exception cref="ArgumentException">The input is inconsistent (see <c>StatementInputRules</c>).</exception>
    public static StatementFigures Calculate(StatementInput input)
    {
        StatementInputRules.Validate(input);
        var terms = input.Terms;
        var entries = input.Entries;

        var days = input.StatementDate.DayNumber - input.PeriodStart.DayNumber;
        var dailyBalanceSum = AverageDailyBalance.DailyBalanceSum(input.PeriodStart, input.StatementDate, input.OpeningBalance, entries);
        var grace = PreviousStatementPayments.GraceApplies(input);
        // Rounded once over the whole period: rounding each day's interest would drift by up to half a minor unit a day.
        var interestNow = grace
            ? 0m
            : MinorUnitRounding.Round(AverageDailyBalance.Interest(dailyBalanceSum, input.PeriodStart, input.StatementDate, terms.Apr, terms.DayCount), terms.Currency);
        var lateFee = PreviousStatementPayments.LateFee(input);
        var pastDue = PreviousStatementPayments.PastDue(input);

        decimal Booked(EntryKind kind) => entries.Where(e => e.Kind == kind).Sum(e => e.Amount);

        // Interest already on the ledger (a correction, say) is shown with the interest charged now, so that the lines
        // of the statement add up to its closing balance.
        var interest = Booked(EntryKind.Interest) + interestNow;
        var fees = Booked(EntryKind.Fee) + lateFee;
        var closing = input.OpeningBalance + entries.Sum(e => e.Amount) + interestNow + lateFee;

        return new StatementFigures(
            OpeningBalance: input.OpeningBalance,
            Purchases: Booked(EntryKind.Purchase),
            Repayments: -Booked(EntryKind.Repayment),
            // A refund paid back to the user is money out to them: it adds to what they owe, and is booked positive.
            Refunds: Booked(EntryKind.Refund),
            Fees: fees,
            Interest: interest,
            Adjustments: Booked(EntryKind.Adjustment),
            ClosingBalance: closing,
            MinimumDue: MinimumPayment.Of(closing, interest, fees, pastDue, terms),
            PastDue: pastDue,
            LateFee: lateFee,
            DueDate: input.StatementDate.AddDays(terms.DueDays),
            GraceApplied: grace,
            DailyBalanceSum: dailyBalanceSum,
            Days: days);
    }
}

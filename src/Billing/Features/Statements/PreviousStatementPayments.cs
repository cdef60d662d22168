namespace Billing.Features.Statements;

/// <summary>How this period's repayments answered the previous statement: grace, late fee and what is still past due.</summary>
static class PreviousStatementPayments
{
    /// <summary>
    /// No interest when the previous statement was paid in full in time, or owed nothing. A first statement has no
    /// previous one to pay, so only a balance that owes nothing earns grace.
    /// </summary>
    public static bool GraceApplies(StatementInput input) => input.Previous is { } previous
        ? previous.ClosingBalance <= 0 || RepaidInTime(input, previous) >= previous.ClosingBalance
        : input.OpeningBalance <= 0;

    /// <summary>
    /// A late fee once the due date has passed with less than the minimum paid in time; never more than the minimum
    /// that was missed (a fee larger than the payment it punishes is not allowed under Reg Z 1026.52(b)).
    /// The caller books it once per late event under a unique passbook reference; this only says how much.
    /// </summary>
    public static decimal LateFee(StatementInput input) =>
        input.Previous is { MinimumDue: > 0 } previous
        && DueDateHasPassed(input, previous)
        && RepaidInTime(input, previous) < previous.MinimumDue
            ? Math.Min(input.Terms.LateFee, previous.MinimumDue)
            : 0m;

    /// <summary>What of the previous minimum is still unpaid after every repayment of the period, late ones included.</summary>
    public static decimal PastDue(StatementInput input) =>
        input.Previous is { } previous && DueDateHasPassed(input, previous)
            ? Math.Max(0m, previous.MinimumDue - Repaid(input.Entries, _ => true))
            : 0m;

    static bool DueDateHasPassed(StatementInput input, PreviousStatement previous) => previous.DueDate < input.StatementDate;

    /// <summary>
    /// Paid on the due date counts only before the payment cut-off (local time), as <see cref="LoanTerms.PaymentCutoff"/>
    /// says; a repayment at the cut-off itself is late, the same half-open rule as a statement period's cut-off.
    /// </summary>
    static decimal RepaidInTime(StatementInput input, PreviousStatement previous)
    {
        var deadline = previous.DueDate.ToDateTime(input.Terms.PaymentCutoff);
        return Repaid(input.Entries, e => e.OccurredAt < deadline);
    }

    /// <summary>Repayments are booked negative; this is what was paid, as a positive amount.</summary>
    static decimal Repaid(IEnumerable<LedgerEntry> entries, Func<LedgerEntry, bool> counts) =>
        -entries.Where(e => e.Kind == EntryKind.Repayment && counts(e)).Sum(e => e.Amount);
}

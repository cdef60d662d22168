using Billing.Features.Statements;

namespace Billing.Tests.Statements;

/// <summary>Statement inputs in the words of the tests: a March 2026 period (1 March .. 30 March, 30 days) unless a test says otherwise.</summary>
static class StatementInputs
{
    public static readonly DateOnly March1 = new(2026, 3, 1);
    public static readonly DateOnly March31 = new(2026, 3, 31);

    /// <summary>24 % APR, Actual/365, minimum 1 % with a 35.00 floor, late fee 25.00, due 25 days after, cut-off 17:00.</summary>
    public static readonly LoanTerms Sek = new("SEK", Apr: 0.24m, DayCount.Actual365, MinimumPercent: 0.01m, MinimumFloor: 35.00m,
        LateFee: 25.00m, DueDays: 25, PaymentCutoff: new TimeOnly(17, 0));

    /// <summary>The previous statement (1 March) of a March period, due on 26 March at 17:00.</summary>
    public static PreviousStatement PreviousDue26March(decimal closing, decimal minimum) =>
        new(March1, closing, minimum, new DateOnly(2026, 3, 26));

    public static StatementInput March(decimal opening, LoanTerms? terms = null, PreviousStatement? previous = null, params LedgerEntry[] entries) =>
        new(March1, March31, opening, entries, terms ?? Sek, previous);

    public static LedgerEntry Purchase(decimal amount, DateOnly on) => Entry(EntryKind.Purchase, amount, on);

    /// <summary>A repayment of <paramref name="paid"/>, booked negative as the ledger keeps it.</summary>
    public static LedgerEntry Repayment(decimal paid, DateOnly on, TimeOnly? at = null) => Entry(EntryKind.Repayment, -paid, on, at);

    public static LedgerEntry Entry(EntryKind kind, decimal amount, DateOnly on, TimeOnly? at = null) =>
        new(kind, amount, on, on.ToDateTime(at ?? new TimeOnly(12, 0)), $"{kind}-{on:yyyyMMdd}-{amount}");

    public static DateOnly March(int day) => new(2026, 3, day);
}

namespace Billing.Features.Statements;

/// <summary>How a year's interest is spread over days.</summary>
public enum DayCount
{
    /// <summary>Daily rate APR / 365 over the period's actual days.</summary>
    Actual365,

    /// <summary>Daily rate APR / 360 over the period's actual days.</summary>
    Actual360,

    /// <summary>The average daily balance times APR times the period's 30/360 days over 360.</summary>
    Thirty360,
}

public enum EntryKind { Purchase, Repayment, Interest, Fee, Refund, Adjustment }

/// <param name="Amount">The signed effect on what is owed (repayments negative), in the loan's currency.</param>
/// <param name="BookedOn">The local date (the account's time zone) on which it counts on the ledger.</param>
/// <param name="OccurredAt">When it happened, in local time (a repayment's paid-at: was the due paid in time?).</param>
public sealed record LedgerEntry(EntryKind Kind, decimal Amount, DateOnly BookedOn, DateTime OccurredAt, string ExternalRef);

/// <param name="Apr">0.24 for 24 % a year.</param>
/// <param name="PaymentCutoff">A repayment counts as paid on its due date when it occurred before this local time of day.</param>
public sealed record LoanTerms(
    string Currency,
    decimal Apr,
    DayCount DayCount,
    decimal MinimumPercent,
    decimal MinimumFloor,
    decimal LateFee,
    int DueDays,
    TimeOnly PaymentCutoff);

/// <summary>The statement before this one, as far as this one needs it.</summary>
public sealed record PreviousStatement(DateOnly StatementDate, decimal ClosingBalance, decimal MinimumDue, DateOnly DueDate);

/// <param name="PeriodStart">The first day of the period (the previous statement date).</param>
/// <param name="StatementDate">The statement date: the period's days run up to the day before it.</param>
/// <param name="Entries">The entries booked in the period, in any order.</param>
public sealed record StatementInput(
    DateOnly PeriodStart,
    DateOnly StatementDate,
    decimal OpeningBalance,
    IReadOnlyList<LedgerEntry> Entries,
    LoanTerms Terms,
    PreviousStatement? Previous);

/// <summary>A statement's figures. Repayments and refunds are shown as positive amounts; everything else signed as owed.</summary>
public sealed record StatementFigures(
    decimal OpeningBalance,
    decimal Purchases,
    decimal Repayments,
    decimal Refunds,
    decimal Fees,
    decimal Interest,
    decimal Adjustments,
    decimal ClosingBalance,
    decimal MinimumDue,
    decimal PastDue,
    decimal LateFee,
    DateOnly DueDate,
    bool GraceApplied,
    decimal DailyBalanceSum,
    int Days);

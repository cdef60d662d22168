namespace Billing.Features.StatementPdfs;

/// <summary>
/// Everything a statement's PDF shows, read from the statement row, the account, its loan and the period's passbook
/// entries. Amounts are in <see cref="Currency"/>; repayments and refunds are positive here, as the summary shows them.
/// </summary>
/// <param name="Locale">The account's culture (en-GB, sv-SE…): amounts and dates are formatted in it.</param>
/// <param name="PeriodStart">The first day of the period (the previous statement date, local).</param>
/// <param name="StatementDate">The statement date: the period runs up to the day before it.</param>
/// <param name="PaymentReference">What the holder quotes when paying (an OCR-like reference of the account).</param>
/// <param name="Correction">Set on a re-issue: the PDF says it is a corrected version.</param>
public sealed record StatementDocument(
    Guid StatementId,
    string AccountId,
    string HolderName,
    string Locale,
    string Currency,
    DateOnly PeriodStart,
    DateOnly StatementDate,
    DateOnly DueDate,
    decimal OpeningBalance,
    decimal Purchases,
    decimal Repayments,
    decimal Refunds,
    decimal Interest,
    decimal Fees,
    decimal Adjustments,
    decimal ClosingBalance,
    decimal MinimumDue,
    decimal PastDue,
    decimal CreditLimit,
    decimal Apr,
    string PaymentReference,
    IReadOnlyList<StatementLine> Lines,
    StatementCorrection? Correction = null);

/// <param name="Date">The local date it was booked on.</param>
/// <param name="Kind">purchase, repayment, interest, fee, refund or adjustment.</param>
/// <param name="Amount">The signed effect on what is owed: repayments and refunds negative.</param>
public sealed record StatementLine(DateOnly Date, string Kind, string Description, decimal Amount);

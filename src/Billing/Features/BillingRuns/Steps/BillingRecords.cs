namespace Billing.Features.BillingRuns.Steps;

public sealed record AccountProfile(string AccountId, string Name, string? Email, string? Phone, bool SmsOptIn, bool EmailOptIn,
    bool WhatsAppOptIn, string Locale)
{
    /// <summary>The channels a statement can go out on: a detail to send to and the holder's consent for it.</summary>
    public IReadOnlyList<string> Channels =>
    [
        .. Email is { Length: > 0 } && EmailOptIn ? ["email"] : Array.Empty<string>(),
        .. Phone is { Length: > 0 } && SmsOptIn ? ["sms"] : Array.Empty<string>(),
        .. Phone is { Length: > 0 } && WhatsAppOptIn ? ["whatsapp"] : Array.Empty<string>(),
    ];
}

public sealed record LoanRow(string Currency, decimal CreditLimit, decimal Apr, string DayCount, int StatementDay, string TimeZone,
    decimal MinimumPercent, decimal MinimumFloor, decimal LateFee, int DueDays, DateOnly OpenedOn);

/// <summary>The account's latest statement before this one (billed here or imported).</summary>
/// <param name="CreatedAt">When it was written: an entry recorded after it but booked before its cut-off is a late posting.</param>
public sealed record PriorStatement(Guid StatementId, DateOnly StatementDate, DateTimeOffset Cutoff, decimal ClosingBalance,
    decimal MinimumDue, DateOnly DueDate, DateTimeOffset CreatedAt);

/// <summary>A passbook entry as read for the period, times still as instants.</summary>
public sealed record PassbookRow(string Kind, decimal Amount, string Currency, DateTimeOffset BookedAt, DateTimeOffset OccurredAt, string ExternalRef,
    long EntryId = 0, string Description = "");

/// <param name="BeforeStart">What the entries booked before the period add up to (the first statement's opening).</param>
/// <param name="TotalAtCutoff">What every entry booked before the cut-off adds up to: the closing balance before interest and fees.</param>
public sealed record PeriodLedger(DateTimeOffset PeriodStart, IReadOnlyList<PassbookRow> Entries, decimal BeforeStart, decimal TotalAtCutoff);

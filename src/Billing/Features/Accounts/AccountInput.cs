using System.Text.Json.Serialization;

namespace Billing.Features.Accounts;

// The shape of an import, as read from a file or generated: every field nullable, so a missing one is reported by
// AccountRules with its name instead of failing the whole file in the parser. The JSON format is these records.

public sealed record AccountsDocument(IReadOnlyList<AccountInput> Accounts);

public sealed record AccountInput
{
    public string? AccountId { get; init; }
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public bool? SmsOptIn { get; init; }
    public bool? EmailOptIn { get; init; }
    public bool? WhatsAppOptIn { get; init; }
    public string? Locale { get; init; }
    public LoanInput? Loan { get; init; }
    public PreviousStatementInput? PreviousStatement { get; init; }
    public IReadOnlyList<EntryInput>? Entries { get; init; }
}

public sealed record LoanInput
{
    public string? Currency { get; init; }
    public decimal? CreditLimit { get; init; }
    public decimal? Apr { get; init; }
    public string? DayCount { get; init; }
    public int? StatementDay { get; init; }
    public string? TimeZone { get; init; }
    public decimal? MinimumPercent { get; init; }
    public decimal? MinimumFloor { get; init; }
    public decimal? LateFee { get; init; }
    public int? DueDays { get; init; }
    public DateOnly? OpenedOn { get; init; }
}

public sealed record PreviousStatementInput
{
    public DateOnly? StatementDate { get; init; }
    public decimal? ClosingBalance { get; init; }
    public decimal? MinimumDue { get; init; }
    public DateOnly? DueDate { get; init; }
}

/// <param name="Amount">The signed effect on the balance owed, as in billing.passbook_entry: repayments negative.</param>
public sealed record EntryInput
{
    // In JSON an entry sits inside its account; entries.csv names it in a column.
    [JsonIgnore] public string? AccountId { get; init; }
    public string? Ref { get; init; }
    public string? Kind { get; init; }
    public decimal? Amount { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public string? Description { get; init; }
}

/// <summary>The schema's defaults, applied to what a file leaves out (so a re-import without the field resets it).</summary>
static class AccountDefaults
{
    public const bool SmsOptIn = true;
    public const bool EmailOptIn = true;
    public const bool WhatsAppOptIn = false;
    public const string Locale = "en-GB";
    public const string DayCount = "actual/365";
    public const decimal MinimumPercent = 0.01m;
    public const decimal MinimumFloor = 35m;
    public const decimal LateFee = 25m;
    public const int DueDays = 25;
}

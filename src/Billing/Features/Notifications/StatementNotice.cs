using Billing.Features.StatementPdfs;

namespace Billing.Features.Notifications;

/// <summary>What every channel tells the holder about a statement; the senders compose their texts from it.</summary>
/// <param name="Locale">The account's culture: amounts and dates are formatted in it.</param>
/// <param name="Link">A short link to the statement (SMS and WhatsApp show it).</param>
/// <param name="Correction">Set on a re-issue: every channel says it is a corrected statement.</param>
public sealed record StatementNotice(
    Guid StatementId,
    string AccountId,
    string HolderName,
    string Locale,
    string Currency,
    DateOnly StatementDate,
    decimal ClosingBalance,
    decimal MinimumDue,
    DateOnly DueDate,
    string Link,
    StatementCorrection? Correction = null);

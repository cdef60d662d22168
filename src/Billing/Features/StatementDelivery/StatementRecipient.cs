using Billing.Features.Notifications;
using Billing.Features.StatementPdfs;

namespace Billing.Features.StatementDelivery;

/// <summary>A statement and who it goes to: the account's contacts and consents, as they are when the delivery runs.</summary>
public sealed record StatementRecipient(
    StatementDocument Document,
    StatementNotice Notice,
    string? Email,
    string? Phone,
    bool SmsOptIn,
    bool EmailOptIn,
    bool WhatsAppOptIn,
    string? PdfKey)
{
    /// <summary>The file name the holder sees on the attachment and the WhatsApp document.</summary>
    public string FileName => $"statement-{Document.StatementDate:yyyy-MM-dd}.pdf";
}

namespace Billing.Contracts.Statements;

/// <summary>
/// A statement's PDF is stored (<paramref name="Rendered"/>), or rendering it failed for good: the e-mail and WhatsApp
/// deliveries start from here, and record themselves failed without a PDF.
/// </summary>
public record StatementPdfSettled(Guid StatementId, string AccountId, bool Rendered, string? Error);

namespace Billing.Contracts.Statements;

/// <summary>
/// Every channel of a statement has settled (sent, skipped or failed for good). <paramref name="Outcome"/> is delivered,
/// partly_delivered or undelivered; <paramref name="Channels"/> is each channel's status, e.g. "sms:sent pdf:sent
/// email:sent whatsapp:skipped".
/// </summary>
public record StatementDelivered(Guid StatementId, string AccountId, DateOnly StatementDate, string Outcome, string Channels);

namespace Billing.Contracts.Refunds;

/// <summary>The support digest's schedule fired: mail the refunds that entered Failed or NeedsSupport since the last digest.</summary>
public record SupportDigestDue(Guid DigestId, DateTimeOffset DueAt);

namespace Billing.Contracts.Refunds;

/// <summary>Support cancels a Failed or NeedsSupport refund: nothing more is attempted, and it no longer counts against the payment.</summary>
public record CancelRefund(Guid RefundId, string RequestedBy, string Reason, DateTimeOffset RequestedAt);

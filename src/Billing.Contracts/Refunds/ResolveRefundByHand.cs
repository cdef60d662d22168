namespace Billing.Contracts.Refunds;

/// <summary>
/// Support closes a Failed or NeedsSupport refund by hand, with a note: paid another way (<see cref="PaidElsewhere"/>: it
/// still counts against the payment's refundable balance) or not to be paid at all (it no longer counts).
/// </summary>
public record ResolveRefundByHand(Guid RefundId, string RequestedBy, string Note, bool PaidElsewhere, DateTimeOffset RequestedAt);

namespace Billing.Contracts.Refunds;

/// <summary>
/// Support closed the refund by hand: <see cref="PaidElsewhere"/> when the money went out another way (a bank transfer),
/// which the passbook books like a payment; otherwise nothing was paid and nothing will be.
/// </summary>
public record RefundResolvedByHand(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, bool PaidElsewhere,
    string ResolvedBy, DateTimeOffset ResolvedAt);

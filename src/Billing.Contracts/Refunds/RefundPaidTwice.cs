namespace Billing.Contracts.Refunds;

/// <summary>
/// An alarm: the provider holds two different refunds for one refund. Support is mailed at once; the money has to be
/// recovered by hand.
/// </summary>
public record RefundPaidTwice(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string FirstProviderRefundId,
    string SecondProviderRefundId, DateTimeOffset DetectedAt);

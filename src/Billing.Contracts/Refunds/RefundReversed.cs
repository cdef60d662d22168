namespace Billing.Contracts.Refunds;

/// <summary>
/// The provider failed a refund it had reported paid (Stripe's late refund.failed): the money of
/// <see cref="ProviderRefundId"/> came back. Published with the <see cref="RefundFailed"/> that follows from it, so that
/// whoever booked the payment books its reversal; a later payment of the same refund has another provider refund id.
/// </summary>
public record RefundReversed(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string ProviderRefundId,
    string? Reason, DateTimeOffset ReversedAt);

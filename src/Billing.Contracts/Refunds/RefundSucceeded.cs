namespace Billing.Contracts.Refunds;

/// <summary>The provider paid the refund (published once, when the refund first reaches Refunded).</summary>
public record RefundSucceeded(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string ProviderRefundId,
    DateTimeOffset RefundedAt);

namespace Billing.Contracts.Refunds;

/// <summary>
/// The provider reports that a refund it had reported paid failed after all (Stripe's <c>refund.failed</c>, or a refund
/// updated to <c>failed</c>): the money came back, so the refund is Failed again with the provider's reason.
/// </summary>
public record RefundFailedByProvider(Guid RefundId, string ProviderRefundId, string? FailureReason, DateTimeOffset At);

namespace Billing.Contracts.Refunds;

/// <summary>The refund entered Failed: declined for good, or its slow lane ran out with nothing paid.</summary>
public record RefundFailed(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string? Cause, string? Message,
    DateTimeOffset FailedAt);

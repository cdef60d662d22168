namespace Billing.Contracts.Refunds;

/// <summary>The reconciler's or support's own attempt failed too (nothing was paid): a person has to look at it.</summary>
public record RefundNeedsSupport(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string? Cause, string? Message,
    DateTimeOffset At);

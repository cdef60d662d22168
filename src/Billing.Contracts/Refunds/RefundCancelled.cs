namespace Billing.Contracts.Refunds;

/// <summary>Support cancelled the refund: nothing was paid and nothing more is attempted.</summary>
public record RefundCancelled(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string CancelledBy,
    DateTimeOffset CancelledAt);

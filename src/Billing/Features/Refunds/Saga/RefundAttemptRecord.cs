namespace Billing.Features.Refunds.Saga;

/// <summary>One row of a refund's attempt history, written by the saga in the same transaction as its state.</summary>
public class RefundAttemptRecord
{
    public Guid RefundId { get; set; }
    public int AttemptNumber { get; set; }
    public string Lane { get; set; } = "";
    public string Method { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ProviderRefundId { get; set; }
    public bool LookedUp { get; set; }
    public string? RequestedBy { get; set; }
    public DateTimeOffset AttemptedAt { get; set; }
}

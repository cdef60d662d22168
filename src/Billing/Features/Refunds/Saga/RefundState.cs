using MassTransit;

namespace Billing.Features.Refunds.Saga;

/// <summary>One refund: what was asked, where it stands, and its last error (the attempts are in refund_attempt).</summary>
public class RefundState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string? CurrentState { get; set; }

    public string IdempotencyKey { get; set; } = "";

    /// <summary>A hash of the request: the same key with another fingerprint is a conflict, not a replay.</summary>
    public string RequestFingerprint { get; set; } = "";

    public string PaymentId { get; set; } = "";
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Method { get; set; } = "";
    public string? Reason { get; set; }
    public string? RequestedBy { get; set; }
    public DateTimeOffset RequestedAt { get; set; }

    /// <summary>The highest attempt number applied; an attempt event at or below it is a duplicate.</summary>
    public int AttemptCount { get; set; }

    /// <summary>Moves on after each decline, so a later attempt is not answered with the replayed decline.</summary>
    public int KeyGeneration { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public string? LastErrorCode { get; set; }
    public string? LastErrorMessage { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? ProviderRefundId { get; set; }
    public DateTimeOffset? RefundedAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    public Guid? ReconcileRunId { get; set; }
    public string? ManualRetryBy { get; set; }
    public DateTimeOffset? ManualRetryAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

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

    /// <summary>The highest attempt number applied; an attempt at or below it is no longer current (the lane drops it).</summary>
    public int AttemptCount { get; set; }

    /// <summary>Attempts made in the current lane: the slow lane's count against its limit, the resolving lookups' backoff.</summary>
    public int LaneAttempts { get; set; }

    /// <summary>Moves on after a decline or a 5xx, so a later attempt is not answered with the replayed answer.</summary>
    public int KeyGeneration { get; set; }

    /// <summary>An attempt may have paid and no lookup has answered since: the refund may not end unpaid.</summary>
    public bool PaymentUncertain { get; set; }

    /// <summary>Where a Resolving refund goes when its lookups find nothing paid (Failed or NeedsSupport).</summary>
    public string? ResolveThen { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public string? LastErrorCode { get; set; }
    public string? LastErrorMessage { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? ProviderRefundId { get; set; }
    public DateTimeOffset? RefundedAt { get; set; }

    /// <summary>The paid-twice alarm: a second, different provider refund for this refund, and when it was seen.</summary>
    public string? SecondProviderRefundId { get; set; }

    public DateTimeOffset? PaidTwiceAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }

    /// <summary>When the refund last entered NeedsSupport (the support digest lists it).</summary>
    public DateTimeOffset? NeedsSupportAt { get; set; }

    /// <summary>The reconciler run waiting for this refund's answer; cleared once it has been answered.</summary>
    public Guid? ReconcileRunId { get; set; }

    /// <summary>Who closed the refund by hand (resolved or cancelled), when, and the note they left.</summary>
    public string? ClosedBy { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
    public string? CloseNote { get; set; }

    /// <summary>False once cancelled, or resolved as not to be paid: intake no longer counts it against the payment.</summary>
    public bool CountsAgainstPayment { get; set; } = true;

    public string? ManualRetryBy { get; set; }
    public DateTimeOffset? ManualRetryAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

namespace Billing.Contracts.Refunds;

/// <summary>
/// One attempt to pay a refund, sent by the refund saga to its payment method's lane queue
/// (<see cref="RefundLanes"/>). The slow lane repeats it by scheduled redelivery; each repetition is the
/// next attempt number. The refund id is the idempotency key of every provider call.
/// </summary>
public record AttemptRefund
{
    public required Guid RefundId { get; init; }
    public required int AttemptNumber { get; init; }

    /// <summary>Why this attempt runs: fast, slow, reconcile or manual (<see cref="RefundLanes"/>).</summary>
    public required string Lane { get; init; }

    public required string PaymentId { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string Method { get; init; }
    public string? Reason { get; init; }

    /// <summary>Which idempotency key to use: the refund id, or a fresh one after each decline (see RefundOrder).</summary>
    public int KeyGeneration { get; init; }

    /// <summary>Who asked for a manual retry; null otherwise.</summary>
    public string? RequestedBy { get; init; }
}

/// <summary>What one attempt found out. The saga applies each attempt number once.</summary>
public record RefundAttempted
{
    public required Guid RefundId { get; init; }
    public required int AttemptNumber { get; init; }
    public required string Lane { get; init; }

    /// <summary>paid, declined, unavailable or unknown (<see cref="AttemptOutcomes"/>).</summary>
    public required string Outcome { get; init; }

    public string? ProviderRefundId { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>True when the provider was asked about an earlier attempt before paying (and what it said decided).</summary>
    public bool LookedUp { get; init; }

    /// <summary>When the slow lane scheduled another attempt, its delay; null when none follows.</summary>
    public TimeSpan? NextAttemptIn { get; init; }

    public required DateTimeOffset AttemptedAt { get; init; }
    public string? RequestedBy { get; init; }
}

public static class AttemptOutcomes
{
    public const string Paid = "paid";
    public const string Declined = "declined";
    public const string Unavailable = "unavailable";
    public const string Unknown = "unknown";
}

public static class RefundLanes
{
    public const string Fast = "fast";
    public const string Slow = "slow";
    public const string Reconcile = "reconcile";
    public const string Manual = "manual";

    /// <summary>One attempt at once; also carries the reconciler's and support's single attempts.</summary>
    public static string FastQueue(string method) => $"refund-{method}-fast";

    /// <summary>Retries with exponential backoff, one queue per payment method so one outage delays no other method.</summary>
    public static string SlowQueue(string method) => $"refund-{method}-slow";

    public static Uri FastAddress(string method) => new($"queue:{FastQueue(method)}");
    public static Uri SlowAddress(string method) => new($"queue:{SlowQueue(method)}");
}

namespace Billing.Contracts.Refunds;

/// <summary>
/// One attempt to pay a refund (or, in the resolve lane, to look it up), sent by the refund saga to its payment
/// method's lane queue (<see cref="RefundLanes"/>); the saga schedules every later one itself, each with the next
/// attempt number. The lane checks the refund's row before it calls the provider and drops an attempt that is no
/// longer current. The refund id is the idempotency key of every provider call.
/// </summary>
public record AttemptRefund
{
    public required Guid RefundId { get; init; }
    public required int AttemptNumber { get; init; }

    /// <summary>Why this attempt runs: fast, slow, reconcile, manual or resolve (<see cref="RefundLanes"/>).</summary>
    public required string Lane { get; init; }

    public required string PaymentId { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string Method { get; init; }
    public string? Reason { get; init; }

    /// <summary>
    /// The key generation when the attempt was sent. The lane uses the one in the refund's row, which is current; this is
    /// for the logs.
    /// </summary>
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

    /// <summary>paid, declined, unavailable, unknown, or not_found for a lookup (<see cref="AttemptOutcomes"/>).</summary>
    public required string Outcome { get; init; }

    public string? ProviderRefundId { get; init; }

    /// <summary>A second, different provider refund found paid for this refund: the paid-twice alarm.</summary>
    public string? OtherProviderRefundId { get; init; }

    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>True when the provider was asked about an earlier attempt before paying (and what it said decided).</summary>
    public bool LookedUp { get; init; }

    /// <summary>
    /// Whether the provider may hold a payment this attempt did not see: true after a timeout, a lost connection, a
    /// pending refund or a replayed 5xx; false once the provider answered for every key (not found, declined, or a
    /// paying call that surely paid nothing); null when the attempt learnt nothing (its lookup could not tell).
    /// </summary>
    public bool? ProviderMayHavePaid { get; init; }

    /// <summary>
    /// The provider will replay this answer for the key (a decline, a Stripe 5xx): later attempts need a fresh key, which
    /// they use only after looking up every earlier one.
    /// </summary>
    public bool KeySpent { get; init; }


    public required DateTimeOffset AttemptedAt { get; init; }
    public string? RequestedBy { get; init; }
}

public static class AttemptOutcomes
{
    public const string Paid = "paid";
    public const string Declined = "declined";
    public const string Unavailable = "unavailable";
    public const string Unknown = "unknown";

    /// <summary>A lookup (resolve lane) that found nothing paid under any of the refund's keys.</summary>
    public const string NotFound = "not_found";
}

public static class RefundLanes
{
    public const string Fast = "fast";
    public const string Slow = "slow";
    public const string Reconcile = "reconcile";
    public const string Manual = "manual";

    /// <summary>Lookups only, with backoff, after an attempt that may have paid: never pays.</summary>
    public const string Resolve = "resolve";

    /// <summary>One attempt at once; also carries the reconciler's and support's single attempts.</summary>
    public static string FastQueue(string method) => $"refund-{method}-fast";

    /// <summary>Retries with exponential backoff, one queue per payment method so one outage delays no other method.</summary>
    public static string SlowQueue(string method) => $"refund-{method}-slow";

    // The lane's exchange, which every worker's receive endpoint binds to the lane's queue (only workers send attempts):
    // a queue: address would have each sender declare the queue with default arguments, which a quorum queue refuses.
    public static Uri FastAddress(string method) => new($"exchange:{FastQueue(method)}");
    public static Uri SlowAddress(string method) => new($"exchange:{SlowQueue(method)}");
}

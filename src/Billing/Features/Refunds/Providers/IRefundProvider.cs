namespace Billing.Features.Refunds.Providers;

/// <summary>What to refund, and under which idempotency key.</summary>
/// <param name="KeyGeneration">
/// 0 until the provider declines the refund for good; each decline moves to the next, because providers replay a
/// declined answer for the same key (Stripe does for 24 h), and a later retry by support or the reconciler must
/// really be tried again. A decline is final, so nothing can be paid under the old key.
/// </param>
public sealed record RefundOrder(Guid RefundId, string PaymentId, decimal Amount, string Currency, string? Reason, int KeyGeneration = 0)
{
    /// <summary>The idempotency key of every call for this order: the refund id, suffixed after declines.</summary>
    public string IdempotencyKey => KeyGeneration == 0 ? RefundId.ToString() : $"{RefundId}.{KeyGeneration}";

    /// <summary>The key as a UUID, for providers whose key is an id (Swish's instruction id).</summary>
    public Guid KeyId => KeyGeneration == 0 ? RefundId : Billing.Contracts.Refunds.RefundIds.FromIdempotencyKey(IdempotencyKey);
}

public enum ProviderOutcome
{
    /// <summary>The provider paid the refund (now or on an earlier call with the same key, or, found by a lookup, any key).</summary>
    Paid,

    /// <summary>The provider refused for good (payment not refundable, account closed...): retrying is pointless.</summary>
    Declined,

    /// <summary>The provider could not process it now (5xx, 429, connection refused): a later try may work.</summary>
    Unavailable,

    /// <summary>No answer in time: the provider may or may not have paid. Look it up before paying again.</summary>
    Unknown,

    /// <summary>Lookup only: the provider has no refund under this key, so it has not paid.</summary>
    NotFound,
}

/// <param name="Code">The provider's error code (e.g. Stripe's <c>charge_already_refunded</c>), or a transport cause.</param>
/// <param name="KeySpent">The provider will answer the same again for this idempotency key (Stripe keeps a 5xx for 24 h).</param>
/// <param name="OtherProviderRefundId">A lookup found a second, different paid refund for the same refund.</param>
public sealed record ProviderResult(ProviderOutcome Outcome, string? ProviderRefundId = null, string? Code = null, string? Message = null,
    bool KeySpent = false, string? OtherProviderRefundId = null);

/// <summary>One payment method's refund provider, reached over its own HTTP API.</summary>
public interface IRefundProvider
{
    /// <summary>The payment method this provider refunds, e.g. "card" or "swish".</summary>
    string Method { get; }

    /// <summary>Asks the provider to pay the refund. Idempotent: the same order pays at most once.</summary>
    Task<ProviderResult> RefundAsync(RefundOrder order, CancellationToken cancellationToken);

    /// <summary>
    /// Asks what happened to this refund without paying: Paid, NotFound (never paid), Declined, or
    /// Unavailable/Unknown when the provider cannot tell right now.
    /// </summary>
    Task<ProviderResult> LookupAsync(RefundOrder order, CancellationToken cancellationToken);

    /// <summary>
    /// True when one lookup finds the refund's payments under every key (Stripe lists by our metadata); false when each key
    /// is looked up by itself (Swish's instruction id is the key).
    /// </summary>
    bool OneLookupFindsEveryKey => false;
}

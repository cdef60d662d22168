namespace Billing.Features.Refunds.Providers;

/// <summary>What to refund. <see cref="RefundId"/> is the idempotency key of every call to the provider.</summary>
public sealed record RefundOrder(Guid RefundId, string PaymentId, decimal Amount, string Currency, string? Reason);

public enum ProviderOutcome
{
    /// <summary>The provider paid the refund (now or on an earlier call with the same key).</summary>
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
public sealed record ProviderResult(ProviderOutcome Outcome, string? ProviderRefundId = null, string? Code = null, string? Message = null);

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
}

namespace Billing.Contracts.Refunds;

/// <summary>
/// Asks for a refund. The HTTP intake and internal callers (billing's excess repayments) both send this.
/// Idempotent: <see cref="RefundId"/> is derived from <see cref="IdempotencyKey"/> (<see cref="RefundIds"/>), so
/// the same key always lands on the same refund; the same key with a different request is rejected.
/// Answered with <see cref="RefundAccepted"/> or <see cref="RefundRejected"/> when sent as a request.
/// </summary>
public record RequestRefund
{
    public required Guid RefundId { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string PaymentId { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string Method { get; init; }
    public string? Reason { get; init; }
    public string? RequestedBy { get; init; }

    public static RequestRefund Create(string idempotencyKey, string paymentId, decimal amount, string currency, string method,
        string? reason = null, string? requestedBy = null) => new()
    {
        RefundId = RefundIds.FromIdempotencyKey(idempotencyKey),
        IdempotencyKey = idempotencyKey,
        PaymentId = paymentId,
        Amount = amount,
        Currency = currency,
        Method = method,
        Reason = reason,
        RequestedBy = requestedBy,
    };
}

/// <param name="Duplicate">True when this key had already created the refund (a replay, not a new refund).</param>
public record RefundAccepted(Guid RefundId, string Status, bool Duplicate);


public static class RefundRejections
{
    /// <summary>The idempotency key was used before for a different request.</summary>
    public const string IdempotencyConflict = "idempotency_conflict";

    /// <summary>The amount exceeds what is still refundable on the (known) payment.</summary>
    public const string ExceedsRefundable = "exceeds_refundable";

    /// <summary>The (known) payment was made in another currency.</summary>
    public const string CurrencyMismatch = "currency_mismatch";

    /// <summary>The method's provider never accepts this amount or currency (Stripe's 8-digit cap, Swish's SEK >= 1.00).</summary>
    public const string ProviderLimit = "provider_limit";

    /// <summary>
    /// The (known) payment is a repayment whose overpayment billing is refunding and has not settled: another refund of it
    /// now could pay the same money twice (issue 19, M2). Allowed again once that refund is paid, cancelled or resolved.
    /// </summary>
    public const string ExcessRefundUnsettled = "excess_refund_unsettled";

    /// <summary>Billing's own excess refund, cancelled because the repayment it was part of was taken back (a chargeback).</summary>
    public const string ExcessRefundCancelled = "excess_refund_cancelled";

    /// <summary>The request itself is malformed (amount, currency, method...).</summary>
    public const string Invalid = "invalid_request";
}

namespace Billing.Features.Refunds.Providers;

/// <summary>One refund as the provider's own ledger holds it.</summary>
/// <param name="RefundId">Our refund id, where the provider carries it (Stripe's <c>metadata[refund_id]</c>); null for a refund made elsewhere.</param>
/// <param name="Status">The provider's word: succeeded, pending, failed, canceled…</param>
public sealed record ProviderRefund(string ProviderRefundId, string? PaymentId, string? RefundId, decimal Amount, string Currency, string Status,
    DateTimeOffset Created);

/// <summary>One page of the provider's refunds, or why it could not be read (<see cref="Failure"/>).</summary>
public sealed record ProviderRefundPage(IReadOnlyList<ProviderRefund> Refunds, bool HasMore, ProviderResult? Failure = null);

/// <summary>
/// A refund provider whose own ledger of refunds can be listed (Stripe's <c>GET /v1/refunds</c>), for the ledger auditor.
/// Swish has no list of refunds (only one refund by its instruction id), so its adapter does not implement this.
/// </summary>
public interface IRefundLedger
{
    string Method { get; }

    /// <summary>
    /// The refunds created at or after <paramref name="createdFrom"/>, newest first, <paramref name="limit"/> per page, the
    /// page after <paramref name="startingAfter"/> (the last provider refund id of the page before).
    /// </summary>
    Task<ProviderRefundPage> ListRefundsAsync(DateTimeOffset createdFrom, string? startingAfter, int limit, CancellationToken cancellationToken);
}

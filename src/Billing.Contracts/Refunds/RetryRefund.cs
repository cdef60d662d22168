namespace Billing.Contracts.Refunds;

/// <summary>Support asks for one more attempt of a Failed or NeedsSupport refund. A second click changes nothing.</summary>
public record RetryRefund(Guid RefundId, string RequestedBy, DateTimeOffset RequestedAt);

/// <summary>The reconciler gives a Failed refund one more attempt as part of run <see cref="RunId"/>.</summary>
public record ReconcileRefund(Guid RunId, Guid RefundId);

/// <summary>
/// How a refund came out of reconciler run <see cref="RunId"/>: refunded, needs_support, or skipped (it was not
/// Failed any more when the run reached it).
/// </summary>
public record RefundReconciled(Guid RunId, Guid RefundId, string Outcome);

public static class ReconcileOutcomes
{
    public const string Refunded = "refunded";
    public const string NeedsSupport = "needs_support";
    public const string Skipped = "skipped";
}

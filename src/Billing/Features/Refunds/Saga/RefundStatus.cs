namespace Billing.Features.Refunds.Saga;

/// <summary>The status names the API shows, one per saga state.</summary>
public static class RefundStatus
{
    public const string Attempting = "attempting";
    public const string Retrying = "retrying";
    public const string Failed = "failed";
    public const string Reconciling = "reconciling";
    public const string NeedsSupport = "needs_support";
    public const string RetryingManually = "retrying_manually";
    public const string Resolving = "resolving";
    public const string ResolvedByHand = "resolved_by_hand";
    public const string Cancelled = "cancelled";
    public const string Refunded = "refunded";

    static readonly Dictionary<string, string> ByState = new(StringComparer.Ordinal)
    {
        ["Attempting"] = Attempting,
        ["Retrying"] = Retrying,
        ["Failed"] = Failed,
        ["Reconciling"] = Reconciling,
        ["NeedsSupport"] = NeedsSupport,
        ["RetryingManually"] = RetryingManually,
        ["Resolving"] = Resolving,
        ["ResolvedByHand"] = ResolvedByHand,
        ["Cancelled"] = Cancelled,
        ["Refunded"] = Refunded,
    };

    public static IReadOnlyCollection<string> All => ByState.Values;

    public static string Of(RefundState refund) => OfState(refund.CurrentState);

    public static string OfState(string? state) => state is not null && ByState.TryGetValue(state, out var status) ? status : "requested";

    /// <summary>The saga state stored for a status name; null for a name that is not a status.</summary>
    public static string? StateOf(string status) => ByState.FirstOrDefault(p => p.Value == status).Key;

    /// <summary>Support may ask for another attempt only from these.</summary>
    public static bool AllowsManualRetry(string status) => status is Failed or NeedsSupport;

    /// <summary>Support may resolve by hand or cancel only these: nothing is in flight for them.</summary>
    public static bool AllowsClosing(string status) => status is Failed or NeedsSupport;
}

namespace Billing.Providers.StandIn.Control;

/// <summary>What one payment method's provider should get wrong; the defaults get nothing wrong.</summary>
/// <param name="FailRate">Share of new requests (0..1) that fail without paying.</param>
/// <param name="TimeoutAfterPayRate">Share of new requests (0..1) that pay and then answer too late.</param>
/// <param name="PendingRate">Card only: share of new requests (0..1) that are made but answered pending, succeeding after StandIn:PendingFor.</param>
/// <param name="LateFailRate">Card only: share of new requests (0..1) that succeed, then fail after StandIn:LateFailAfter with a webhook.</param>
/// <param name="DarkUntil">Until then every request for the method answers 503.</param>
/// <param name="Seed">Seeds the draws so a test sees the same sequence of outcomes every run; null draws unseeded.</param>
public sealed record FaultSettings(
    double FailRate = 0,
    FailMode FailMode = FailMode.Retryable,
    double TimeoutAfterPayRate = 0,
    int LatencyMs = 0,
    DateTimeOffset? DarkUntil = null,
    int? Seed = null,
    double PendingRate = 0,
    double LateFailRate = 0)
{
    public static readonly FaultSettings None = new();

    public IEnumerable<string> Problems()
    {
        if (FailRate is < 0 or > 1 || double.IsNaN(FailRate))
            yield return "failRate must be between 0 and 1.";
        if (TimeoutAfterPayRate is < 0 or > 1 || double.IsNaN(TimeoutAfterPayRate))
            yield return "timeoutAfterPayRate must be between 0 and 1.";
        if (PendingRate is < 0 or > 1 || double.IsNaN(PendingRate) || LateFailRate is < 0 or > 1 || double.IsNaN(LateFailRate)
            || TimeoutAfterPayRate + PendingRate + LateFailRate > 1)
            yield return "pendingRate and lateFailRate must be between 0 and 1, and with timeoutAfterPayRate at most 1 together.";
        if (LatencyMs < 0)
            yield return "latencyMs must not be negative.";
        if (!Enum.IsDefined(FailMode))
            yield return "failMode must be retryable or nonRetryable.";
    }
}

public enum FailMode
{
    /// <summary>The provider could not process the request (5xx, 429); trying again later may work.</summary>
    Retryable,

    /// <summary>The provider declines the refund for good; trying again is pointless.</summary>
    NonRetryable,
}

namespace Billing.Contracts.Diagnostics;

/// <summary>Fails <see cref="FailTimes"/> times, then succeeds: shows the redelivery intervals of a deployment.</summary>
public record ProbeRedelivery
{
    public Guid ProbeId { get; init; }
    public int FailTimes { get; init; }
}

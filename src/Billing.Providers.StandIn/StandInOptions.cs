namespace Billing.Providers.StandIn;

public sealed class StandInOptions
{
    public const string Section = "StandIn";

    /// <summary>
    /// How long a "timeout after pay" answer is held back. Longer than any client waits, so the client gives up
    /// although the money moved; a client that disconnects ends the hold early.
    /// </summary>
    public TimeSpan TimeoutAfterPayHold { get; set; } = TimeSpan.FromSeconds(30);
}

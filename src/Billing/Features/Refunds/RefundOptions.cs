namespace Billing.Features.Refunds;

/// <summary>The refund settings (section "Refunds"): which payment methods exist and how each one's lanes behave.</summary>
public class RefundOptions
{
    public const string Section = "Refunds";

    /// <summary>Payment methods by name ("card", "swish"); each gets its own fast and slow lane queues.</summary>
    public Dictionary<string, RefundMethodOptions> Methods { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A refund in flight (attempting, retrying, reconciling, retrying by hand) that has not moved for this long past
    /// its next expected step is stuck (its attempt message was lost to an error queue, say): the reconciler gives it
    /// an attempt of its own, under the same idempotency key, so it cannot be paid twice.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromHours(1);

    public RefundMethodOptions For(string method) =>
        Methods.TryGetValue(method, out var options)
            ? options
            : throw new InvalidOperationException($"Payment method '{method}' is not configured under {Section}:Methods.");
}

public class RefundMethodOptions
{
    /// <summary>Provider calls in flight at once per lane of this method.</summary>
    public int Concurrency { get; set; } = 16;

    public SlowLaneOptions SlowLane { get; set; } = new();
}

/// <summary>
/// The slow lane: after a failed fast attempt, <see cref="Attempts"/> more attempts, the first after
/// <see cref="FirstInterval"/>, each following one after twice the previous wait, capped at <see cref="MaxInterval"/>.
/// The defaults wait 30 s, 1, 2, 4, 8 and then 10 min: about 46 minutes in all.
/// </summary>
public class SlowLaneOptions
{
    public int Attempts { get; set; } = 8;
    public TimeSpan FirstInterval { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait before slow attempt <paramref name="index"/> (0 = the first slow attempt).</summary>
    public TimeSpan DelayBefore(int index)
    {
        var ticks = FirstInterval.Ticks * Math.Pow(2, Math.Min(index, 30));
        return ticks >= MaxInterval.Ticks ? MaxInterval : TimeSpan.FromTicks((long)ticks);
    }
}

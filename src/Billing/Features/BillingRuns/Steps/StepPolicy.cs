namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// How a step retries a transient failure: a few times at once (in the same delivery), then on a schedule with a
/// doubling wait; when those are spent the account halts at the step.
/// </summary>
public sealed class StepPolicy
{
    public int ImmediateRetries { get; set; } = 2;
    public int ScheduledRetries { get; set; } = 5;
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait before scheduled retry number <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        var delay = FirstDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        return delay < MaxDelay ? delay : MaxDelay;
    }
}

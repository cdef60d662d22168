using System.Collections.Concurrent;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// Failures injected into one step for tests and the demo (<c>BillingRuns:Faults</c>; off unless configured). The first
/// <see cref="Times"/> runs of the step for each matching account in this process fail; <see cref="Times"/> 0 fails every
/// run. Counted per process, so a restarted worker starts counting again.
/// </summary>
public sealed class StepFaults
{
    public const string Section = "BillingRuns:Faults";

    readonly ConcurrentDictionary<string, int> _runs = new();

    public string? Step { get; set; }

    /// <summary>
    /// "transient" (retried by the step's policy), "permanent" (halts at once) or "stall" (the step waits
    /// <see cref="StallSeconds"/> inside the account's billing transaction, then passes: shows what that transaction holds).
    /// </summary>
    public string Kind { get; set; } = "transient";

    public double StallSeconds { get; set; } = 10;

    public int Times { get; set; }

    /// <summary>Accounts whose id starts with this; empty means every account.</summary>
    public string AccountPrefix { get; set; } = "";

    public async Task Inject(string step, string accountId, CancellationToken cancellationToken)
    {
        if (Step != step || !accountId.StartsWith(AccountPrefix, StringComparison.Ordinal))
            return;
        var run = _runs.AddOrUpdate(accountId, 1, (_, n) => n + 1);
        if (Times > 0 && run > Times)
            return;
        if (Kind == "stall")
        {
            await Task.Delay(TimeSpan.FromSeconds(StallSeconds), cancellationToken);
            return;
        }

        var detail = $"Injected {Kind} failure of step {step} (run {run} for {accountId}).";
        throw Kind == "permanent" ? StepFailure.Permanent("injected", detail) : StepFailure.Retryable("injected", detail);
    }
}

using Billing.Features.BillingRuns.Steps;

namespace Billing.Features.BillingRuns;

public sealed class BillingRunOptions
{
    public const string Section = "BillingRuns";

    /// <summary>Per step: its retry policy. A step not listed retries as <see cref="StepPolicy"/>'s defaults say.</summary>
    public Dictionary<string, StepPolicy> Steps { get; set; } = new()
    {
        // Validation decides the same every time: it halts at once.
        [BillingSteps.Validation] = new StepPolicy { ImmediateRetries = 0, ScheduledRetries = 0 },
    };

    /// <summary>
    /// How long after the cut-off an account is billed at the earliest: a repayment whose transaction began just before
    /// the cut-off has committed by then, so it is either on this statement or, booked later, on the next.
    /// </summary>
    public TimeSpan CutoffSettle { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A repayment counts as paid on its due date when it occurred before this local time of day.</summary>
    public TimeOnly PaymentCutoff { get; set; } = TimeOnly.MaxValue;

    /// <summary>Accounts read per keyset page of the fan-out.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>The fan-out waits while this many published accounts are not yet settled (<see cref="Runs.RunStates"/>).</summary>
    public int MaxInFlight { get; set; } = 5000;

    /// <summary>
    /// A fan-out that has waited this long for room with no account settling marks its run stalled (GET /billing/runs/{run},
    /// the dashboard, the billing_runs_stalled metric).
    /// </summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When the daily job starts the day's run, and in which time zone "the day" is meant.</summary>
    public string Cron { get; set; } = "5 0 * * *";

    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// How many days back the daily job starts runs for dates that have none (missed while no Hangfire server ran). 0 starts
    /// today's only.
    /// </summary>
    public int CatchUpDays { get; set; } = 7;

    public StepPolicy PolicyFor(string step) => Steps.TryGetValue(step, out var policy) ? policy : new StepPolicy();
}

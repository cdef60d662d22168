namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// A step could not finish. Transient failures are retried by the step's policy (immediately, then on a schedule);
/// permanent ones (bad data, a failed validation) halt the account at once, since trying again would decide the same.
/// </summary>
public sealed class StepFailure(string reason, string detail, bool transient) : Exception(detail)
{
    /// <summary>A short, stable code for dashboards and bulk resume ("no_contact", "loan_missing").</summary>
    public string Reason { get; } = reason;

    public bool Transient { get; } = transient;

    public static StepFailure Permanent(string reason, string detail) => new(reason, detail, transient: false);

    public static StepFailure Retryable(string reason, string detail) => new(reason, detail, transient: true);
}

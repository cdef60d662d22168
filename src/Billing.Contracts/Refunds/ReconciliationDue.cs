namespace Billing.Contracts.Refunds;

/// <summary>
/// The daily reconciler fired (on its cron schedule or on demand): give every Failed refund one more attempt.
/// <see cref="RunId"/> is stable for one firing, so a redelivered or re-fired message starts no second run.
/// </summary>
public record ReconciliationDue
{
    public required Guid RunId { get; init; }
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>"schedule" or "manual" (and who asked), for the run's record.</summary>
    public required string Trigger { get; init; }
}

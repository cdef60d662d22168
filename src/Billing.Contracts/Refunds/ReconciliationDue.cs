namespace Billing.Contracts.Refunds;

/// <summary>
/// The daily reconciler fired (on its cron schedule or on demand): give every Failed refund, and every refund stuck in
/// flight, one more attempt. The janitor sends it too, every few minutes, for the stuck ones only.
/// <see cref="RunId"/> is stable for one firing, so a redelivered or re-fired message starts no second run.
/// </summary>
public record ReconciliationDue
{
    public required Guid RunId { get; init; }
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>"schedule", "janitor" or "manual" (and who asked), for the run's record.</summary>
    public required string Trigger { get; init; }

    /// <summary>The janitor's runs: only refunds stuck in flight, not the Failed ones (those wait for the daily run).</summary>
    public bool StuckOnly { get; init; }
}

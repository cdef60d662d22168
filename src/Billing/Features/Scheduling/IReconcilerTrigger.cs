namespace Billing.Features.Scheduling;

/// <summary>Runs the refund reconciler now, outside its schedule. Works in any role; only workers run the job.</summary>
public interface IReconcilerTrigger
{
    /// <summary>
    /// Enqueues a one-off reconciler job in Hangfire's store, which a worker's Hangfire server runs within its poll
    /// interval. Returns the RunId its <see cref="Billing.Contracts.Refunds.ReconciliationDue"/> will carry.
    /// </summary>
    Task<Guid> TriggerNowAsync(string requestedBy, CancellationToken cancellationToken);
}

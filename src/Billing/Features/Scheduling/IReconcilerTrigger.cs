namespace Billing.Features.Scheduling;

/// <summary>Runs the refund reconciler now, outside its schedule. Works in any role; only workers run the job.</summary>
public interface IReconcilerTrigger
{
    /// <summary>
    /// Stores a one-off firing of the reconciler in the job store, which a worker runs within Quartz's idle wait.
    /// Returns the RunId its <see cref="Billing.Contracts.Refunds.ReconciliationDue"/> will carry.
    /// </summary>
    Task<Guid> TriggerNowAsync(string requestedBy, CancellationToken cancellationToken);
}

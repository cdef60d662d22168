using MassTransit;
using Quartz;

namespace Billing.Features.Scheduling;

/// <summary>
/// Adds a one-off trigger for the reconciler's stored job. The scheduler here need not be started (the API's is not):
/// the trigger goes into the clustered job store, and whichever worker acquires it first fires it.
/// </summary>
sealed class QuartzReconcilerTrigger(ISchedulerFactory schedulers, ILogger<QuartzReconcilerTrigger> logger) : IReconcilerTrigger
{
    public async Task<Guid> TriggerNowAsync(string requestedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);

        // Chosen here, so the caller can report it before the run starts; it travels with the trigger, so a firing
        // recovered after a crash carries the same one.
        var runId = NewId.NextGuid();
        var data = new JobDataMap
        {
            [RefundReconcilerJob.RequestedByKey] = requestedBy,
            [RefundReconcilerJob.RunIdKey] = runId.ToString(),
        };

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(RefundReconcilerJob.Key, data, cancellationToken);
        logger.LogInformation("Refund reconciliation {RunId} requested by {RequestedBy}", runId, requestedBy);
        return runId;
    }
}

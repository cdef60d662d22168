using Hangfire;
using MassTransit;

namespace Billing.Features.Scheduling;

/// <summary>Enqueues the reconciler through Hangfire: the job is stored at once, and a worker's server runs it.</summary>
sealed class HangfireReconcilerTrigger(IBackgroundJobClient jobs, ILogger<HangfireReconcilerTrigger> logger) : IReconcilerTrigger
{
    public Task<Guid> TriggerNowAsync(string requestedBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);

        // Chosen here, so the caller can report it before the run starts; it travels in the job's arguments, so a job
        // that runs twice (Hangfire runs jobs at least once) publishes the same run.
        var runId = NewId.NextGuid();
        var dueAt = DateTimeOffset.UtcNow;
        jobs.Enqueue<RefundJobs>(job => job.ReconcileNow(runId, dueAt, requestedBy));
        logger.LogInformation("Refund reconciliation {RunId} requested by {RequestedBy}", runId, requestedBy);
        return Task.FromResult(runId);
    }
}

using Billing.Contracts.Refunds;
using MassTransit;
using Quartz;

namespace Billing.Features.Scheduling;

/// <summary>
/// Each firing of the reconciler's trigger (its cron schedule, or <see cref="IReconcilerTrigger"/>) publishes one
/// <see cref="ReconciliationDue"/>; the refunds feature does the work.
/// </summary>
public sealed class RefundReconcilerJob(IPublishEndpoint publishEndpoint, ILogger<RefundReconcilerJob> logger) : IJob
{
    public static readonly JobKey Key = new("refund-reconciler", "refunds");
    public static readonly TriggerKey ScheduleKey = new("refund-reconciler-schedule", "refunds");

    internal const string RequestedByKey = "RequestedBy";
    internal const string RunIdKey = "RunId";

    static readonly Guid RunIdNamespace = new("6f0c1d52-4b7e-4f0a-9a55-0d6b2f6e2c31");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var due = new ReconciliationDue
        {
            RunId = data.TryGetValue(RunIdKey, out var runId) ? Guid.Parse((string)runId!) : ScheduledRunId(context),
            DueAt = context.ScheduledFireTimeUtc ?? context.FireTimeUtc,
            Trigger = data.TryGetValue(RequestedByKey, out var requestedBy) ? $"manual:{requestedBy}" : "schedule",
        };

        await publishEndpoint.Publish(due, cancellationToken);
        logger.LogInformation("Refund reconciliation {RunId} due at {DueAt} published ({Trigger})", due.RunId, due.DueAt, due.Trigger);
    }

    /// <summary>
    /// One id per scheduled occurrence: the trigger and the time it was due. Not the fire instance id, which a firing
    /// recovered after a crash (the job requests recovery) does not keep; the trigger key and due time it does keep.
    /// </summary>
    static Guid ScheduledRunId(IJobExecutionContext context)
    {
        var trigger = context.Recovering && context.RecoveringTriggerKey is { } original ? original : context.Trigger.Key;
        var dueAt = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        return NameBasedGuid.Create(RunIdNamespace, $"{trigger.Group}.{trigger.Name}@{dueAt.UtcTicks}");
    }
}

using Billing.Contracts.Refunds;
using Hangfire;
using Hangfire.Server;
using MassTransit;

namespace Billing.Features.Scheduling;

/// <summary>
/// What the Hangfire jobs do: publish one message and return; the refunds feature does the work. Hangfire runs a job
/// at least once (a job is fetched again after its invisibility timeout, the recurring jobs' lock expires), so each
/// message's id comes from the schedule and its firing time: a duplicate firing publishes the same message again, which
/// the inbox drops and the reconciler would ignore anyway (its run id is taken).
/// </summary>
public sealed class RefundJobs(IPublishEndpoint publish, TimeProvider clock, ILogger<RefundJobs> logger)
{
    public const string Reconciler = "refund-reconciler";
    public const string Janitor = "refund-janitor";
    public const string Digest = "refund-support-digest";

    /// <summary>The daily run: every Failed refund and every refund stuck in flight.</summary>
    [AutomaticRetry(Attempts = 5)]
    public Task ReconcileOnSchedule(PerformContext? context) =>
        Publish(Reconciler, context, (runId, dueAt) => new ReconciliationDue { RunId = runId, DueAt = dueAt, Trigger = TriggerOf(context) });

    /// <summary>"schedule", or <c>manual:{name}</c> (as POST /reconciler/runs says) when an admin pressed "Trigger now" in Hangfire.</summary>
    static string TriggerOf(PerformContext? context) =>
        context?.GetJobParameter<string>(Dashboard.JobsDashboard.TriggeredBy) is { Length: > 0 } name ? $"manual:{name}" : "schedule";

    /// <summary>Every few minutes: refunds stuck in flight only (Failed ones wait for the daily run).</summary>
    [AutomaticRetry(Attempts = 5)]
    public Task TakeOverStuckRefunds(PerformContext? context) =>
        Publish(Janitor, context, (runId, dueAt) => new ReconciliationDue { RunId = runId, DueAt = dueAt, Trigger = "janitor", StuckOnly = true });

    /// <summary>The support digest: refunds that entered Failed or NeedsSupport since the previous digest.</summary>
    [AutomaticRetry(Attempts = 5)]
    public Task SendSupportDigest(PerformContext? context) =>
        Publish(Digest, context, (runId, dueAt) => new SupportDigestDue(runId, dueAt));

    /// <summary>POST /reconciler/runs: the run id was chosen by the caller, so a repeat of this job publishes the same run.</summary>
    [AutomaticRetry(Attempts = 5)]
    public async Task ReconcileNow(Guid runId, DateTimeOffset dueAt, string requestedBy)
    {
        await publish.Publish(new ReconciliationDue { RunId = runId, DueAt = dueAt, Trigger = $"manual:{requestedBy}" }, c => c.MessageId = runId);
        logger.LogInformation("Refund reconciliation {RunId} published (manual:{RequestedBy})", runId, requestedBy);
    }

    async Task Publish<T>(string schedule, PerformContext? context, Func<Guid, DateTimeOffset, T> message)
        where T : class
    {
        var dueAt = FiringTime(context);
        var id = JobOccurrences.Id(schedule, dueAt);
        await publish.Publish(message(id, dueAt), c => c.MessageId = id);
        logger.LogInformation("{Schedule} due at {DueAt} published as {Id}", schedule, dueAt, id);
    }

    /// <summary>
    /// When this occurrence was due: Hangfire's "Time" parameter of a job its recurring scheduler made (whole seconds),
    /// else (triggered from the dashboard, or a test calling the method) the job's creation time, to the second.
    /// </summary>
    DateTimeOffset FiringTime(PerformContext? context)
    {
        if (context?.GetJobParameter<long?>("Time") is { } seconds and > 0)
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        var created = context?.BackgroundJob.CreatedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : clock.GetUtcNow();
        return DateTimeOffset.FromUnixTimeSeconds(created.ToUnixTimeSeconds());
    }
}

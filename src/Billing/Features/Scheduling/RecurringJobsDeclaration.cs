using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Features.Scheduling;

/// <summary>
/// Declares the recurring jobs when a worker starts. Every worker declares the same ones; Hangfire keeps one of each,
/// with its own record of the last firing, so a worker starting at 03:00 neither repeats nor skips that day's run.
/// </summary>
sealed class RecurringJobsDeclaration(IRecurringJobManager jobs, IOptions<RefundReconcilerOptions> reconciler,
    IOptions<RefundJanitorOptions> janitor, IOptions<SupportDigestOptions> digest, IOptions<BillingRunOptions> billing) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(reconciler.Value.TimeZone);
        jobs.AddOrUpdate<RefundJobs>(RefundJobs.Reconciler, j => j.ReconcileOnSchedule(null), reconciler.Value.Cron,
            new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Relaxed });
        jobs.AddOrUpdate<RefundJobs>(RefundJobs.Janitor, j => j.TakeOverStuckRefunds(null), janitor.Value.Cron,
            new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Ignorable });
        jobs.AddOrUpdate<RefundJobs>(RefundJobs.Digest, j => j.SendSupportDigest(null), digest.Value.Cron,
            new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Ignorable });
        jobs.AddOrUpdate<BillingRunJob>(BillingRunJob.Name, j => j.StartTodaysRun(), billing.Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(billing.Value.TimeZone), MisfireHandling = MisfireHandlingMode.Relaxed });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

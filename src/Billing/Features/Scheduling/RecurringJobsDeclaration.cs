using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.Ledger;
using Billing.Infrastructure.Postgres;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Features.Scheduling;

/// <summary>
/// Declares the recurring jobs when a worker starts. Every worker declares the same ones; Hangfire keeps one of each,
/// with its own record of the last firing, so a worker starting at 03:00 neither repeats nor skips that day's run.
/// A worker that starts while Postgres restarts waits it out (<see cref="PostgresErrors.IsTransient"/>) instead of failing
/// its start: a failed start used to leave the already started bus consuming on a disposed container, which sent every
/// message in hand to an _error queue (seen in the chaos billing run, issue 18).
/// </summary>
sealed class RecurringJobsDeclaration(IRecurringJobManager jobs, IOptions<RefundReconcilerOptions> reconciler,
    IOptions<RefundJanitorOptions> janitor, IOptions<SupportDigestOptions> digest, IOptions<BillingRunOptions> billing,
    IOptions<LedgerAuditOptions> ledger, ILogger<RecurringJobsDeclaration> logger) : IHostedService
{
    static readonly TimeSpan WaitAtMost = TimeSpan.FromMinutes(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Declare();
                return;
            }
            catch (Exception e) when (PostgresErrors.IsTransient(e) && waited.Elapsed < WaitAtMost)
            {
                logger.LogWarning("Recurring jobs not declared yet, Postgres is away ({Reason}); trying again", e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), cancellationToken);
            }
        }
    }

    void Declare()
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
        jobs.AddOrUpdate<LedgerAuditJob>(LedgerAuditJob.Name, j => j.AuditOnSchedule(), ledger.Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(ledger.Value.TimeZone), MisfireHandling = MisfireHandlingMode.Ignorable });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

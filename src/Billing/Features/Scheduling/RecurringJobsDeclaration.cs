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
/// In the background, and tried again until it works: a worker that starts while Postgres restarts, or while a lock row
/// of a SIGKILLed worker still holds Hangfire's lock on a job (until Hangfire.PostgreSql's lock timeout), consumes its
/// queues meanwhile. A declaration in the start used to fail the start (seen in the chaos billing run, issue 18); the
/// jobs are stored already by any earlier worker, so declaring them late costs nothing.
/// </summary>
sealed class RecurringJobsDeclaration(IRecurringJobManager jobs, IOptions<RefundReconcilerOptions> reconciler,
    IOptions<RefundJanitorOptions> janitor, IOptions<SupportDigestOptions> digest, IOptions<BillingRunOptions> billing,
    IOptions<LedgerAuditOptions> ledger, ILogger<RecurringJobsDeclaration> logger) : BackgroundService
{
    static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start's path: the first attempt runs after the host has started.
        await Task.Yield();
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                Declare();
                if (attempt > 1)
                    logger.LogInformation("Recurring jobs declared after {Attempts} attempts", attempt);
                return;
            }
            catch (Exception e) when (IsPassing(e))
            {
                logger.LogWarning("Recurring jobs not declared yet ({Reason}); trying again", e.Message);
                var pause = TimeSpan.FromMilliseconds(Math.Min(LongestPause.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(attempt, 10))));
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception e)
            {
                // A schedule that can never be declared (a bad cron, an unknown time zone) is a configuration error: said
                // loudly, and the worker still consumes.
                logger.LogCritical(e, "Recurring jobs cannot be declared: {Reason}", e.Message);
                return;
            }
        }
    }

    /// <summary>Postgres away, or a job's lock still held by a worker that died holding it: both pass.</summary>
    static bool IsPassing(Exception e) =>
        PostgresErrors.IsTransient(e) || e is Hangfire.Storage.DistributedLockTimeoutException || e is Hangfire.PostgreSql.PostgreSqlDistributedLockException;

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
}

using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using Quartz;

namespace Billing.Features.Scheduling;

/// <summary>
/// Quartz with its ADO.NET job store on our Postgres (schema <c>quartz</c>, migration 0003_quartz), clustered: every
/// worker is a node of one cluster and each firing runs on exactly one of them. Quartz's own knobs (idle wait,
/// check-in interval, thread pool) are read from the <c>Quartz</c> configuration section.
/// </summary>
public static class SchedulingRegistration
{
    /// <summary>The scheduler's name: the sched_name every node shares in the quartz tables.</summary>
    public const string SchedulerName = "Billing";

    /// <summary>Worker role: runs the cron jobs (the refund reconciler) and fires what <see cref="IReconcilerTrigger"/> asks for.</summary>
    public static IServiceCollection AddBillingJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var reconciler = configuration.GetSection(RefundReconcilerOptions.Section).Get<RefundReconcilerOptions>() ?? new RefundReconcilerOptions();

        services.AddBillingScheduler(configuration, q =>
        {
            q.AddJob<RefundReconcilerJob>(job => job
                .WithIdentity(RefundReconcilerJob.Key)
                .StoreDurably()
                // A worker killed mid-firing: another runs it again, with the same RunId.
                .RequestRecovery());
            q.AddTrigger(trigger => trigger
                .ForJob(RefundReconcilerJob.Key)
                .WithIdentity(RefundReconcilerJob.ScheduleKey)
                .WithCronSchedule(reconciler.Cron, cron => cron
                    .InTimeZone(TimeZones.FindById(reconciler.TimeZone))
                    // Every worker down at 03:00: the run happens once when the first comes back, not never.
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
        });

        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    /// <summary>
    /// API role: a scheduler on the same store that is never started, so it runs nothing and joins no cluster,
    /// but can add triggers (<see cref="IReconcilerTrigger"/>) that the workers fire.
    /// </summary>
    public static IServiceCollection AddBillingJobsClient(this IServiceCollection services, IConfiguration configuration) =>
        services.AddBillingScheduler(configuration, _ => { });

    static IServiceCollection AddBillingScheduler(this IServiceCollection services, IConfiguration configuration, Action<IQuartzBuilder> jobs)
    {
        services.AddQuartz(configuration.GetSection("Quartz"), q =>
        {
            q.ConfigureScheduler(s => s.InstanceName = SchedulerName);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(source => source.ConnectionStringName = PersistenceRegistration.ConnectionStringName);
                store.ConfigureStore(o => o.TablePrefix = QuartzSchema.TablePrefix);
                // Also makes the instance id AUTO: each node generates its own.
                store.UseClustering();
                store.UseSystemTextJsonSerializer();
            });
            jobs(q);
        });

        // The schedule is declared in code and re-declared by every worker that starts: keep the stored trigger's
        // history, so a restart at 03:00 neither repeats nor skips that day's run.
        services.Configure<QuartzOptions>(o => o.Scheduling.ScheduleTriggerRelativeToReplacedTrigger = true);

        services.AddSingleton<IReconcilerTrigger, QuartzReconcilerTrigger>();
        return services;
    }
}

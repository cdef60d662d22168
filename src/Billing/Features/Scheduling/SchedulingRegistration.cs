using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using Hangfire;
using Hangfire.PostgreSql;

namespace Billing.Features.Scheduling;

/// <summary>
/// Hangfire with its Postgres storage in our database (schema <c>hangfire</c>, created by the migrate step). Every worker
/// runs a Hangfire server; the recurring jobs fire about once per schedule across them, and each job only publishes a
/// message whose id comes from its schedule and firing time (<see cref="RefundJobs"/>), so a duplicate firing changes
/// nothing. The API stores jobs (POST /reconciler/runs) and serves the dashboard (Dashboard/JobsDashboard.cs), and runs none.
/// </summary>
public static class SchedulingRegistration
{
    /// <summary>Worker role: a Hangfire server, and the recurring jobs (reconciler, janitor, support digest) declared.</summary>
    public static IServiceCollection AddBillingJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBillingJobsClient(configuration);
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        services.AddHangfireServer(o =>
        {
            o.ServerName = $"billing-worker:{Environment.ProcessId}:{Guid.NewGuid():N}"[..40];
            // The jobs only publish a message: a couple of workers is plenty.
            o.WorkerCount = jobs.WorkerCount;
            o.SchedulePollingInterval = jobs.SchedulePollingInterval;
        });
        services.AddScoped<RefundJobs>();
        services.AddHostedService<RecurringJobsDeclaration>();
        return services;
    }

    /// <summary>API role: Hangfire's storage, to enqueue jobs and read them for the dashboard; no server.</summary>
    public static IServiceCollection AddBillingJobsClient(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(PersistenceRegistration.ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{PersistenceRegistration.ConnectionStringName} is not set.");
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        services.Configure<RefundReconcilerOptions>(configuration.GetSection(RefundReconcilerOptions.Section));
        services.Configure<RefundJanitorOptions>(configuration.GetSection(RefundJanitorOptions.Section));
        services.Configure<SupportDigestOptions>(configuration.GetSection(SupportDigestOptions.Section));

        var storage = new PostgreSqlStorageOptions
        {
            SchemaName = HangfireSchema.Name,
            // The migrate step creates and upgrades the schema (Migrator), like every other schema here.
            PrepareSchemaIfNecessary = false,
            QueuePollInterval = jobs.QueuePollInterval,
        };
        // Our own singleton rather than Hangfire's static JobStorage.Current, which AddHangfire would hand every host in
        // the process: two hosts on two databases (tests, tools) must not share one.
        // Hangfire pools its connections apart from the service's data source: bounded on its own (Postgres:JobsMaxPoolSize).
        var jobsConnectionString = PostgresPoolOptions.Bound(connectionString, PostgresPoolOptions.From(configuration).JobsMaxPoolSize, "billing-jobs");
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(jobsConnectionString, storage), storage));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddSingleton<IReconcilerTrigger, HangfireReconcilerTrigger>();
        return services;
    }
}

/// <summary>Section <c>Jobs</c>: how often Hangfire looks for work.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>How often a server looks for enqueued jobs (Hangfire.PostgreSql's default is 15 s).</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a server looks for recurring jobs that are due (Hangfire's default is 15 s).</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    public int WorkerCount { get; set; } = 2;
}

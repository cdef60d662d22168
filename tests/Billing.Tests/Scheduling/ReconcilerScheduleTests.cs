using System.Globalization;
using Billing.Contracts.Refunds;
using Billing.Features.Scheduling;
using Billing.Hosting;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace Billing.Tests.Scheduling;

public class ReconcilerScheduleTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    static readonly Dictionary<string, string> OnDemandOnly = new()
    {
        // Not the default 03:00 UTC, which a test running at that time would see fire.
        ["Refunds__Reconciler__Cron"] = "0 0 0 1 1 ? 2099",
        // Workers look for triggers another process added once per idle wait (5 s in appsettings.json).
        ["Quartz__Scheduler__IdleWaitTime"] = "00:00:01",
    };

    public async Task InitializeAsync()
    {
        // Each test starts from an empty job store: no triggers, jobs or nodes left by another test.
        await using var command = stack.DataSource.CreateCommand("""
            do $$ begin
                execute (select 'truncate ' || string_agg(format('%I.%I', schemaname, tablename), ', ') from pg_tables where schemaname = 'quartz');
            end $$
            """);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task With_two_workers_running_the_scheduled_reconciliation_fires_once_and_is_published_once()
    {
        await using var probe = await MessageProbe<ReconciliationDue>.Start(stack.Ground);
        // Whole seconds: the cron names one second of one day, so it fires once within this test.
        var due = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 8);
        var settings = new Dictionary<string, string>
        {
            ["Refunds__Reconciler__Cron"] = string.Create(CultureInfo.InvariantCulture, $"{due.Second} {due.Minute} {due.Hour} * * ?"),
            ["Refunds__Reconciler__TimeZone"] = "UTC",
        };

        var workers = await Task.WhenAll(StartWorker(settings), StartWorker(settings));
        await using var first = workers[0];
        await using var second = workers[1];
        DateTimeOffset.UtcNow.ShouldBeLessThan(due, "both workers must be running before the reconciliation is due");
        await Eventually.Until("both workers checked in to one Quartz cluster", async () => await ClusterNodes() == 2);

        await Eventually.Until("the reconciliation published", () => probe.Received.Count > 0);
        // Over when no trigger is firing any more and the cron trigger's next firing is past this one.
        await Eventually.Until("the firing to be over", async () =>
            await Count("select count(*) from quartz.qrtz_fired_triggers") == 0
            && await Count("select count(*) from quartz.qrtz_triggers where next_fire_time <= $1", due.ToUnixTimeMilliseconds()) == 0);
        await stack.Ground.WaitUntilIdle();

        var published = probe.Received.ShouldHaveSingleItem();
        published.DueAt.ShouldBe(due);
        published.Trigger.ShouldBe("schedule");
        published.RunId.ShouldNotBe(Guid.Empty);
    }

    [Fact]
    public async Task A_run_requested_from_the_api_role_fires_on_a_worker_and_says_who_asked()
    {
        await using var probe = await MessageProbe<ReconciliationDue>.Start(stack.Ground);
        await using var worker = await StartWorker(OnDemandOnly);
        await using var api = await StartApiScheduler();

        var requestedAt = DateTimeOffset.UtcNow;
        var runId = await api.Services.GetRequiredService<IReconcilerTrigger>().TriggerNowAsync("ops@example.com", CancellationToken.None);

        var published = await Eventually.Found("the reconciliation published", () => Task.FromResult(probe.Received.FirstOrDefault()));
        published.RunId.ShouldBe(runId);
        published.Trigger.ShouldBe("manual:ops@example.com");
        published.DueAt.ShouldBeInRange(requestedAt.AddSeconds(-1), DateTimeOffset.UtcNow);

        // A one-off trigger is deleted once it has fired: then nothing more can come of it.
        await Eventually.Until("the one-off trigger fired and removed", async () =>
            await Count("select count(*) from quartz.qrtz_triggers where trigger_name <> $1", RefundReconcilerJob.ScheduleKey.Name) == 0
            && await Count("select count(*) from quartz.qrtz_fired_triggers") == 0);
        await stack.Ground.WaitUntilIdle();
        probe.Received.Count.ShouldBe(1);
        (await api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).Status.ShouldBe(SchedulerStatus.Created, "the API role runs no jobs");
        (await ClusterNodes()).ShouldBe(1, "only the worker is a node of the cluster");
    }

    Task<InProcessHost> StartWorker(IReadOnlyDictionary<string, string> settings) =>
        InProcessHost.Start(BillingHost.Worker([], c => InProcessHost.Configure(c, stack.Ground, settings)));

    /// <summary>What the API role registers for jobs, without its HTTP server.</summary>
    Task<InProcessHost> StartApiScheduler()
    {
        var builder = Host.CreateApplicationBuilder();
        InProcessHost.Configure(builder.Configuration, stack.Ground);
        builder.Services.AddBillingJobsClient(builder.Configuration);
        return InProcessHost.Start(builder.Build());
    }

    /// <summary>Scheduler instances checked in to the cluster.</summary>
    Task<long> ClusterNodes() =>
        Count("select count(*) from quartz.qrtz_scheduler_state where sched_name = $1", SchedulingRegistration.SchedulerName);

    Task<long> Count(string sql, params object[] parameters) => stack.Count(sql, parameters);
}

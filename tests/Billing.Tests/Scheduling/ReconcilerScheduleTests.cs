using Billing.Contracts.Refunds;
using Billing.Features.Scheduling;
using Billing.Hosting;
using Billing.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.Scheduling;

/// <summary>The refund jobs on Hangfire, with two Hangfire servers (two workers) on one store.</summary>
public class ReconcilerScheduleTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    const string Never = "0 0 31 2 *";

    static readonly Dictionary<string, string> OnDemandOnly = new()
    {
        ["Refunds__Reconciler__Cron"] = Never,
        ["Refunds__Janitor__Cron"] = Never,
        ["Refunds__Digest__Cron"] = Never,
        ["Jobs__QueuePollInterval"] = "00:00:01",
        ["Jobs__SchedulePollingInterval"] = "00:00:01",
    };

    public async Task InitializeAsync()
    {
        // Each test starts from an empty job store: no jobs, recurring jobs or servers left by another test.
        await using var command = stack.DataSource.CreateCommand("""
            do $$ begin
                execute (select 'truncate ' || string_agg(format('%I.%I', schemaname, tablename), ', ')
                         from pg_tables where schemaname = 'hangfire' and tablename <> 'schema');
            end $$
            """);
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task With_two_hangfire_servers_each_scheduled_reconciliation_is_one_run_and_a_duplicate_firing_changes_nothing()
    {
        await using var probe = await MessageProbe<ReconciliationDue>.Start(stack.Ground);
        var settings = new Dictionary<string, string>(OnDemandOnly) { ["Refunds__Reconciler__Cron"] = "*/4 * * * * *" };
        var workers = await Task.WhenAll(StartWorker(settings), StartWorker(settings));
        await using var first = workers[0];
        await using var second = workers[1];
        await Eventually.Until("both Hangfire servers registered", async () => await Count("select count(*) from hangfire.server") == 2);

        // Three firings of the schedule, whichever server fired each.
        await Eventually.Until("three scheduled reconciliations published", () => probe.Received.Select(m => m.RunId).Distinct().Count() >= 3);

        // A duplicate firing, as Hangfire's at-least-once execution makes one: the same occurrence run as a second job.
        var occurrence = probe.Received[0];
        var jobs = (IBackgroundJobClientV2)first.Services.GetRequiredService<IBackgroundJobClient>();
        jobs.Create(Job.FromExpression<RefundJobs>(j => j.ReconcileOnSchedule(null)), new EnqueuedState(), new Dictionary<string, object?>
        {
            ["RecurringJobId"] = RefundJobs.Reconciler,
            ["Time"] = occurrence.DueAt.ToUnixTimeSeconds(),
        });
        await Eventually.Until("the duplicate firing published", () => probe.Received.Count(m => m.RunId == occurrence.RunId) == 2);
        await first.DisposeAsync();
        await second.DisposeAsync();
        await stack.Ground.WaitUntilIdle();

        // One id per occurrence (its due time), and one run per id however often it was published.
        var received = probe.Deliveries.ToList();
        received.GroupBy(d => d.Message.RunId).ShouldAllBe(g => g.Select(d => d.Message.DueAt).Distinct().Count() == 1);
        received.GroupBy(d => d.Message.DueAt).ShouldAllBe(g => g.Select(d => d.Message.RunId).Distinct().Count() == 1);
        received.Where(d => d.Message.RunId == occurrence.RunId).Select(d => d.MessageId).Distinct().ShouldHaveSingleItem();
        received.ShouldAllBe(d => d.Message.Trigger == "schedule");
        var runIds = received.Select(d => d.Message.RunId).Distinct().ToList();
        (await Count("select count(*) from refunds.reconciler_run where trigger = 'schedule'")).ShouldBe(runIds.Count);
        (await Count("select count(distinct due_at) from refunds.reconciler_run where trigger = 'schedule'")).ShouldBe(runIds.Count);
    }

    [Fact]
    public async Task A_run_requested_from_the_api_role_runs_on_a_worker_and_says_who_asked()
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
        await Eventually.Until("the job succeeded", async () => await Count("select count(*) from hangfire.job where statename = 'Succeeded'") == 1);
        await stack.Ground.WaitUntilIdle();
        probe.Received.Count.ShouldBe(1);
        (await Count("select count(*) from hangfire.server")).ShouldBe(1, "only the worker runs a Hangfire server");
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

    Task<long> Count(string sql, params object[] parameters) => stack.Count(sql, parameters);
}

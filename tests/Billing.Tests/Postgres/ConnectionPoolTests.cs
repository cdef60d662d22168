using Billing.Features.Diagnostics;
using Billing.Tests.Support;
using Npgsql;

namespace Billing.Tests.Postgres;

/// <summary>
/// A process's connections to Postgres are bounded by its two pools (Postgres:MaxPoolSize, Postgres:JobsMaxPoolSize), so
/// N workers need a known max_connections (docs/operations.md). Before, Hangfire pooled apart with the connection
/// string's own bound, and nothing but the connection string bounded either.
/// </summary>
public class ConnectionPoolTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task A_busy_worker_holds_no_more_connections_than_its_two_configured_pools_allow_and_still_finishes_its_work()
    {
        // Named, so its connections are told from the test's own in pg_stat_activity.
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Billing"] = new NpgsqlConnectionStringBuilder(stack.ConnectionString) { ApplicationName = "pooled-worker" }.ConnectionString,
            ["Postgres__MaxPoolSize"] = "6",
            ["Postgres__JobsMaxPoolSize"] = "2",
        };
        await using var worker = await stack.StartWorker(settings);
        await using var bus = await TestBus.Start(stack.Ground);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 200, additions: 4);

        using var sampling = new CancellationTokenSource();
        var peaks = Sample(sampling.Token);
        await run.Publish(CancellationToken.None);
        await Eventually.Get("a receipt for each of the 200 tallies", () => run.CountReceipts(CancellationToken.None), n => n == 200,
            TimeSpan.FromMinutes(4), n => $"{n} receipts\n{worker.Output}");
        await sampling.CancelAsync();
        var (service, jobs, all) = await peaks;

        all.ShouldBeLessThanOrEqualTo(6 + 2, $"service {service}, jobs {jobs}");
        service.ShouldBeLessThanOrEqualTo(6);
        jobs.ShouldBeLessThanOrEqualTo(2);
        service.ShouldBeGreaterThanOrEqualTo(3, "the run kept several of the service's connections busy at once");
        jobs.ShouldBeGreaterThanOrEqualTo(1, "Hangfire's server connected through its own pool");
    }

    /// <summary>The most connections of the worker seen at once: its service pool, its Hangfire pool, all together.</summary>
    async Task<(long Service, long Jobs, long All)> Sample(CancellationToken stop)
    {
        long service = 0, jobs = 0, all = 0;
        while (!stop.IsCancellationRequested)
        {
            await using var command = stack.DataSource.CreateCommand("""
                select count(*) filter (where application_name = 'pooled-worker:billing'),
                       count(*) filter (where application_name = 'pooled-worker:billing-jobs'),
                       count(*) filter (where application_name like 'pooled-worker%')
                from pg_stat_activity where datname = current_database()
                """);
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                await reader.ReadAsync(CancellationToken.None);
                (service, jobs, all) = (Math.Max(service, reader.GetInt64(0)), Math.Max(jobs, reader.GetInt64(1)), Math.Max(all, reader.GetInt64(2)));
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return (service, jobs, all);
    }
}

using System.Diagnostics;
using Billing.Contracts.BillingRuns;
using Billing.Features.Accounts;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Benchmarks;

/// <summary>
/// Accounts per second from a run's start to its last account's StatementReady, for generated accounts (the
/// generator's variety: about 20 passbook entries each, some with hundreds, 1 % unreachable and halted at validation),
/// one worker in this process. Beside it the saga benchmark's Postgres figure from the same run: the messaging ceiling.
/// </summary>
public static class BillingBenchmark
{
    public static async Task Run(IConfiguration configuration, IReadOnlyList<int> sizes, Func<IConfiguration, Task> fresh)
    {
        Console.WriteLine($"Billing runs on {Environment.ProcessorCount} cores; every part on this machine (Postgres, RabbitMQ, the worker)");
        await fresh(configuration);
        await SagaThroughput.Run(configuration, SagaStore.PostgresWithOutbox, 200, 4);
        var ceiling = await SagaThroughput.Run(configuration, SagaStore.PostgresWithOutbox, 4000, 4);
        Console.WriteLine($"ceiling: saga benchmark (b), Postgres repository + outbox, 4,000 × 5:  {ceiling,8:N0} transitions/s");

        // Yesterday in UTC: its midnight has passed in every time zone the generator uses, so no account waits.
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        foreach (var size in sizes)
        {
            await fresh(configuration);
            var load = Stopwatch.StartNew();
            await using (var dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString("Billing")!))
            {
                var report = await new AccountImporter(dataSource).Import(AccountFiles.Rows(AccountGenerator.Generate(size, seed: 1, date)));
                await using var analyze = dataSource.CreateCommand("analyze");
                await analyze.ExecuteNonQueryAsync();
                Console.WriteLine($"{size,8:N0} accounts generated and imported in {load.Elapsed.TotalSeconds:N1} s ({report.EntriesAdded:N0} passbook entries)");
            }

            var (perSecond, view, memory) = await Bill(configuration, date);
            Console.WriteLine($"{size,8:N0} accounts: {perSecond,6:N0} accounts/s to StatementReady ({view.Ready:N0} ready, {view.Halted:N0} halted); {memory}");
        }
    }

    static async Task<(double PerSecond, BillingRunView View, PeakMemory Memory)> Bill(IConfiguration configuration, DateOnly date)
    {
        using var host = BillingHost.Worker([], builder =>
        {
            builder.AddConfiguration(configuration);
            builder.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Billing.Features.BillingRuns"] = "Error",
            });
        });
        await host.StartAsync();
        await using var memory = PeakMemory.Start();
        try
        {
            var progress = host.Services.GetRequiredService<BillingRunProgress>();
            await host.Services.GetRequiredService<IBus>().Publish(new StartBillingRun(date, "benchmark"));
            var runId = BillingIds.Run(date);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                await Task.Delay(500);
                if (await progress.Get(runId, CancellationToken.None) is { Settled: true } view)
                    return (view.PerSecond ?? 0, view, memory);
                if (clock.Elapsed > TimeSpan.FromHours(1))
                    throw new TimeoutException($"Billing run {runId} did not settle within an hour.");
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

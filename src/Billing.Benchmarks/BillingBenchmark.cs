using System.Diagnostics;
using Billing.Contracts.BillingRuns;
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
            await Generate(configuration, size, date);
            Console.WriteLine($"{size,8:N0} accounts generated and imported in {load.Elapsed.TotalSeconds:N1} s ({await Scalar(configuration, "select count(*) from billing.passbook_entry"):N0} passbook entries)");

            var (perSecond, view, memory) = await Bill(configuration, date);
            Console.WriteLine($"{size,8:N0} accounts: {perSecond,6:N0} accounts/s to StatementReady ({view.Ready:N0} ready, {view.Halted:N0} halted); {memory}");
            foreach (var halted in view.ByStateAndStep.Where(c => c.State == "Halted"))
                Console.WriteLine($"          halted at {halted.Step}: {halted.Reason} × {halted.Count:N0}");
        }
    }

    /// <summary>
    /// `Billing generate` in a process of its own: the import holds the accounts in memory, which would stay in this
    /// process's heap and be counted as the worker's.
    /// </summary>
    static async Task Generate(IConfiguration configuration, int size, DateOnly date)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), "generate", "--accounts", $"{size}",
            "--seed", "1", "--statement-date", $"{date:yyyy-MM-dd}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ConnectionStrings__Billing"] = configuration.GetConnectionString("Billing") },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"Billing generate failed ({process.ExitCode}):\n{await output}\n{await errors}");
        await Scalar(configuration, "analyze");
    }

    static async Task<long> Scalar(IConfiguration configuration, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString("Billing")!);
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync() is long value ? value : 0;
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
                // The recurring-job server of a host stopped before the database is dropped for the next size.
                ["Logging:LogLevel:Hangfire"] = "Error",
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

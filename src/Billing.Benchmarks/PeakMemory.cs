using System.Diagnostics;

namespace Billing.Benchmarks;

/// <summary>
/// Samples the memory of this process (the worker runs in it), of Postgres (every backend together) and of RabbitMQ every
/// 2 s while a measurement runs, and keeps each one's peak. Not more often: a sample reads smaps_rollup of every backend,
/// which walks their page tables in the kernel; every 250 ms it took a fifth of a core from the pipeline it measured. Proportional set sizes (PSS), so the shared buffers every
/// Postgres backend maps are counted once, not once per backend as RSS would. Read from /proc, so Linux only.
/// </summary>
public sealed class PeakMemory : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _sampling;

    PeakMemory() => _sampling = Sample(_stop.Token);

    public long WorkerBytes { get; private set; }
    public long PostgresBytes { get; private set; }
    public long RabbitMqBytes { get; private set; }

    public static PeakMemory Start() => new();

    public override string ToString() =>
        $"peak memory (PSS): worker {Mb(WorkerBytes)}, Postgres {Mb(PostgresBytes)} (all backends), RabbitMQ {Mb(RabbitMqBytes)}";

    async Task Sample(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            WorkerBytes = Math.Max(WorkerBytes, Pss(Environment.ProcessId));
            long postgres = 0, rabbit = 0;
            foreach (var process in Process.GetProcesses())
            {
                using (process)
                {
                    var name = Command(process.Id);
                    if (name == "postgres")
                        postgres += Pss(process.Id);
                    else if (name == "beam.smp")
                        rabbit += Pss(process.Id);
                }
            }

            PostgresBytes = Math.Max(PostgresBytes, postgres);
            RabbitMqBytes = Math.Max(RabbitMqBytes, rabbit);
            try
            {
                // Every 5 s: the kernel walks each process's page tables for its PSS, and Postgres's backends map all of
                // shared_buffers; every 2 s this sampler took 2 % of the cores it was measuring (perf, 2026-12-07).
                await Task.Delay(5_000, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    static long Pss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/smaps_rollup").FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:N0} MB";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}

using Billing.Features.StatementPdfs;

namespace Billing.Benchmarks;

/// <summary>
/// CPU time by part of the stack, read from /proc (user + system, the ones already ended included), so a benchmark can
/// say what one account costs each part: the worker (this process: the benchmark hosts it), Chromium (the browsers it
/// launched), Postgres, RabbitMQ, and the stand-ins of the outside world (the mail sink, the provider stand-in, the
/// object store), which a real deployment does not run. What docs/capacity.md sizes a fleet from.
/// </summary>
public sealed class CpuTime
{
    const double TicksPerSecond = 100; // USER_HZ on Linux
    static readonly string[] Parts = ["worker", "Chromium", "Postgres", "RabbitMQ", "stand-ins"];

    readonly Dictionary<string, double> _seconds;
    readonly DateTime _at = DateTime.UtcNow;

    CpuTime(Dictionary<string, double> seconds) => _seconds = seconds;

    public static CpuTime Now()
    {
        var self = Environment.ProcessId;
        var processes = ReadAll();
        var below = ChromiumProcessTree.ProcessIds(self).Skip(1).ToHashSet();
        var seconds = Parts.ToDictionary(p => p, _ => 0.0);
        foreach (var (pid, p) in processes)
        {
            var part = pid == self ? "worker"
                : below.Contains(pid) ? "Chromium"
                : p.Comm == "postgres" ? "Postgres"
                : p.Comm is "beam.smp" or "erl_child_setup" or "epmd" or "inet_gethost" ? "RabbitMQ"
                : p.Command.Contains("aiosmtpd") || p.Command.Contains("Billing.Providers.StandIn") || p.Command.Contains("s3rver") ? "stand-ins"
                : null;
            if (part is null)
                continue;
            // Own time; the ended children's time belongs to the same part (Postgres's backends, this process's browsers).
            seconds[part] += (p.Own + (pid == self ? 0 : p.Children)) / TicksPerSecond;
            if (pid == self)
                seconds["Chromium"] += p.Children / TicksPerSecond;
        }

        return new CpuTime(seconds);
    }

    /// <summary>Milliseconds of CPU per item between two readings, per part, and how busy the machine's cores were.</summary>
    public string PerItemSince(CpuTime start, int items, string item = "account")
    {
        var wall = (_at - start._at).TotalSeconds;
        var total = Parts.Sum(p => _seconds[p] - start._seconds[p]);
        var parts = string.Join(", ", Parts.Select(p => $"{p} {(_seconds[p] - start._seconds[p]) * 1000 / Math.Max(1, items):N1}"));
        return $"CPU ms per {item}: {parts}; these parts kept {total / wall / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores busy";
    }

    sealed record Stat(string Comm, string Command, long Own, long Children);

    static Dictionary<int, Stat> ReadAll()
    {
        var all = new Dictionary<int, Stat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
                continue;
            try
            {
                // "pid (comm) state … utime(14) stime(15) cutime(16) cstime(17)"; comm may hold spaces and parentheses.
                var stat = File.ReadAllText($"{directory}/stat");
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                var command = File.ReadAllText($"{directory}/cmdline").Replace('\0', ' ');
                all[pid] = new Stat(stat[(open + 1)..close], command,
                    long.Parse(fields[11]) + long.Parse(fields[12]), long.Parse(fields[13]) + long.Parse(fields[14]));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // It ended while being read.
            }
        }

        return all;
    }
}

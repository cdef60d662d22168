using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Billing.Infrastructure.Messaging;

namespace Billing.Tests.Support;

/// <summary>
/// A real worker process of the service (`Billing worker`), as deployed: stopped gracefully (SIGTERM) at the end of a
/// test, or killed (SIGKILL) when the test is about a crash. <see cref="StartAs"/> runs any role the same way.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(30);

    readonly Process _process;
    readonly StringBuilder _output = new();

    WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The queues the worker said it consumes once its bus was up (empty until <see cref="WaitUntilReady"/>).</summary>
    public IReadOnlyList<string> Queues { get; private set; } = [];

    /// <summary>The roles the worker said it runs in the same line (empty until <see cref="WaitUntilReady"/>).</summary>
    public IReadOnlyList<string> Roles { get; private set; } = [];

    /// <param name="service">The ground's settings; <paramref name="settings"/> go over them (environment-variable form).</param>
    public static WorkerProcess Start(IReadOnlyDictionary<string, string> service, IReadOnlyDictionary<string, string>? settings = null) =>
        StartCommand(service, settings, "worker");

    /// <summary>Any command of the service's binary (<c>Billing bill --date …</c>) with the same environment as a worker.</summary>
    public static WorkerProcess StartCommand(IReadOnlyDictionary<string, string> service, IReadOnlyDictionary<string, string>? settings,
        params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in service.Concat(settings ?? new Dictionary<string, string>()))
            start.Environment[key] = value;

        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker process."));
    }

    /// <summary>
    /// `Billing {arguments}` (api, worker, migrate) in <paramref name="workingDirectory"/> with exactly
    /// <paramref name="environment"/> for settings: none of this process's own (VAR__KEY) environment settings is inherited.
    /// </summary>
    public static WorkerProcess StartAs(IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var inherited in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_")).ToList())
            start.Environment.Remove(inherited);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start Billing {string.Join(' ', arguments)}."));
    }

    /// <summary>Starts a worker and returns once it consumes every queue it serves.</summary>
    public static async Task<WorkerProcess> StartReady(IReadOnlyDictionary<string, string> service, IReadOnlyDictionary<string, string>? settings = null)
    {
        var worker = Start(service, settings);
        await worker.WaitUntilReady();
        return worker;
    }

    /// <summary>Waits for the worker's own word that its bus is up and every endpoint consumes (WorkerReadiness).</summary>
    public async Task WaitUntilReady(TimeSpan? timeout = null)
    {
        var line = await Eventually.Found("the worker's ready line", () =>
        {
            if (HasExited)
                throw new InvalidOperationException($"The worker exited ({ExitCode}) before it was ready:\n{Output}");
            var ready = Output.Split('\n').FirstOrDefault(l => l.Contains(WorkerReadiness.ReadyLine, StringComparison.Ordinal));
            return Task.FromResult(ready);
        }, timeout);
        var said = line[(line.IndexOf(WorkerReadiness.ReadyLine, StringComparison.Ordinal) + WorkerReadiness.ReadyLine.Length)..].Trim();
        var mark = said.IndexOf(WorkerReadiness.ConsumingMark, StringComparison.Ordinal);
        Roles = said[..mark].Split(',', StringSplitOptions.RemoveEmptyEntries);
        Queues = said[(mark + WorkerReadiness.ConsumingMark.Length)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
        Queues.ShouldNotBeEmpty($"a ready worker consumes queues:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no acknowledgements, like a crash or an OOM kill.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGKILL to the worker's own process only, as the OOM killer does: what it started must end by itself.</summary>
    public void KillAlone() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as an orchestrator stops a worker: consumers finish what they hold and the bus closes cleanly.</summary>
    public async Task Stop()
    {
        if (_process.HasExited)
            return;
        if (SendSignal(_process.Id, SigTerm) != 0 || !await WaitForExit(GracefulStop))
        {
            Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Ctrl+C (SIGINT) or SIGTERM, without waiting for the process to end.</summary>
    public void Signal(bool interrupt) => SendSignal(_process.Id, interrupt ? SigInt : SigTerm).ShouldBe(0);

    public async Task<bool> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        _process.Dispose();
    }

    // BILLING_TEST_WORKER_LOGS=<dir>: each worker's output is also kept in <dir>/worker-<pid>.log, for a failure whose
    // assertion does not print it.
    static readonly string? LogDirectory = Environment.GetEnvironmentVariable("BILLING_TEST_WORKER_LOGS");

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.AppendLine(line);
            if (LogDirectory is { Length: > 0 })
            {
                Directory.CreateDirectory(LogDirectory);
                File.AppendAllText(Path.Combine(LogDirectory, $"worker-{_process.Id}.log"), line + Environment.NewLine);
            }
        }
    }

    const int SigInt = 2;
    const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);
}

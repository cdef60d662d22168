using System.Diagnostics;
using System.Text;

namespace Billing.Tests.Support;

/// <summary>A real worker process of the service (`Billing worker`), as deployed: killable with SIGKILL.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
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

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static WorkerProcess Start(StackFixture stack, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), "worker"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in stack.ServiceSettings.Concat(settings ?? new Dictionary<string, string>()))
            start.Environment[key] = value;

        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker process."));
    }

    /// <summary>SIGKILL: no shutdown hooks, no acknowledgements, like a crash or an OOM kill.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}

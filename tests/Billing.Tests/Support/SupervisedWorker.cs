using System.Text;

namespace Billing.Tests.Support;

/// <summary>
/// A worker under a supervisor, as deployed (docker-compose's <c>restart: unless-stopped</c>, systemd, Kubernetes): a
/// worker that exits because its broker connection is stuck (<see cref="BrokerStuckExitCode"/>) is started again; any
/// other exit is left for the test to see.
/// </summary>
public sealed class SupervisedWorker : IAsyncDisposable
{
    /// <summary>The exit code of a worker that gave up on a stuck broker connection (EX_TEMPFAIL).</summary>
    public const int BrokerStuckExitCode = 75;

    readonly IReadOnlyDictionary<string, string> _service;
    readonly IReadOnlyDictionary<string, string>? _settings;
    readonly StringBuilder _earlier = new();
    readonly CancellationTokenSource _stop = new();
    readonly Task _supervising;
    WorkerProcess _current;

    public SupervisedWorker(IReadOnlyDictionary<string, string> service, IReadOnlyDictionary<string, string>? settings = null)
    {
        _service = service;
        _settings = settings;
        _current = WorkerProcess.Start(service, settings);
        _supervising = Supervise(_stop.Token);
    }

    /// <summary>How many times the supervisor started the worker again.</summary>
    public int Restarts { get; private set; }

    /// <summary>The exit codes of the processes the supervisor replaced, oldest first.</summary>
    public IReadOnlyList<int> ExitCodes => _exitCodes;

    readonly List<int> _exitCodes = [];
    readonly List<WorkerProcess> _retired = [];

    public WorkerProcess Current => _current;

    /// <summary>Every process's output so far, oldest first.</summary>
    public string Output => _earlier + _current.Output;

    async Task Supervise(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_current.HasExited && _current.ExitCode == BrokerStuckExitCode)
            {
                _exitCodes.Add(_current.ExitCode);
                _earlier.Append(_current.Output).AppendLine($"--- exited {BrokerStuckExitCode}; the supervisor starts it again ---");
                // Kept until the end: a wait on it may still be looking at it.
                _retired.Add(_current);
                _current = WorkerProcess.Start(_service, _settings);
                Restarts++;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        }
    }

    /// <summary>Waits until the current process says it consumes; returns its queues. Fails on any other exit.</summary>
    public async Task<IReadOnlyList<string>> WaitUntilReady(TimeSpan? timeout = null)
    {
        while (true)
        {
            var worker = _current;
            try
            {
                await worker.WaitUntilReady(timeout);
                return worker.Queues;
            }
            catch (InvalidOperationException) when (worker.HasExited && worker.ExitCode == BrokerStuckExitCode)
            {
                await Eventually.Until("the supervisor to start the worker again", () => Task.FromResult(!ReferenceEquals(worker, _current)));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _supervising;
        await _current.DisposeAsync();
        foreach (var retired in _retired)
            await retired.DisposeAsync();
    }
}

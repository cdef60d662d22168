using Billing.Hosting;
using MassTransit;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// Says once, when every receive endpoint of the worker's bus is ready (the bus healthy), which roles it runs and which
/// queues it consumes: operators see that a worker is up and what it serves, and tests wait for this line instead of polling RabbitMQ for
/// a hand-kept list of queues. It watches the endpoints from before the bus starts (it connects itself when created,
/// which the host does before starting any hosted service).
/// </summary>
public sealed class WorkerReadiness : IReceiveEndpointObserver, IHostedService
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    readonly IBusControl _bus;
    readonly WorkerRoles _roles;
    readonly ILogger<WorkerReadiness> _logger;

    public WorkerReadiness(IBusControl bus, WorkerRoles roles, ILogger<WorkerReadiness> logger)
    {
        _bus = bus;
        _roles = roles;
        _logger = logger;
        bus.ConnectReceiveEndpointObserver(this);
    }

    /// <summary>The start of the line: <c>Worker ready, roles billing,pdf; consuming: queue-a,queue-b</c>.</summary>
    public const string ReadyLine = "Worker ready, roles ";

    /// <summary>After the roles (comma-separated), before the queues (comma-separated).</summary>
    public const string ConsumingMark = "; consuming: ";

    readonly SortedSet<string> _queues = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await _bus.WaitForHealthStatus(BusHealthStatus.Healthy, StartTimeout) != BusHealthStatus.Healthy)
        {
            _logger.LogWarning("The worker's bus is not healthy {Timeout} after start; roles {Roles}, queues ready so far: {Queues}",
                StartTimeout, _roles.ToString(), Queues());
            return;
        }

        _logger.LogInformation(ReadyLine + "{Roles}" + ConsumingMark + "{Queues}", _roles.ToString(), Queues());
    }

    string Queues() => string.Join(",", ReadyQueues);

    /// <summary>The queues whose receive endpoints have been ready at least once.</summary>
    public IReadOnlyCollection<string> ReadyQueues
    {
        get
        {
            lock (_gate)
                return _queues.ToList();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task Ready(ReceiveEndpointReady ready)
    {
        // The bus's own temporary queue (responses, faults) is the process's, not a queue the worker serves.
        if (!ready.InputAddress.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase))
            lock (_gate)
                _queues.Add(ready.InputAddress.AbsolutePath.Split('/')[^1]);
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}

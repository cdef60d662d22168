using MassTransit;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// Says once, when the worker's bus has started, which queues it consumes: operators see that a worker is up and
/// what it serves, and tests wait for this line instead of polling RabbitMQ for a hand-kept list of queues.
/// Registered after MassTransit's hosted service, which (with WaitUntilStarted) returns only once every endpoint is ready.
/// </summary>
public sealed class WorkerReadiness(ILogger<WorkerReadiness> logger) : IReceiveEndpointObserver, IHostedService
{
    /// <summary>The start of the line, followed by the queues, comma-separated.</summary>
    public const string ReadyLine = "Worker ready, consuming: ";

    readonly SortedSet<string> _queues = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string queues;
        lock (_gate)
            queues = string.Join(",", _queues);
        logger.LogInformation(ReadyLine + "{Queues}", queues);
        return Task.CompletedTask;
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

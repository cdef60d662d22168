using MassTransit;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// Starts the bus's response endpoint before the API takes its first request. MassTransit starts that endpoint on
/// first use, and every request that arrives meanwhile blocks a thread pool thread until it is ready: a burst of
/// first requests on a 2-core machine starved the pool, so the endpoint's own declaration never finished and every
/// request timed out. Connecting one request pipe here, once, pays that wait at start-up instead.
/// </summary>
public sealed class ResponseEndpointWarmUp(IBus bus) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        // ConnectRequestPipe waits synchronously: on a pool thread of its own, not the host's.
        Task.Run(() => bus.ConnectRequestPipe(NewId.NextGuid(), Pipe.Empty<ConsumeContext<WarmUp>>()).Disconnect(), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Never sent: only names the pipe connected to start the endpoint.</summary>
    public sealed record WarmUp;
}

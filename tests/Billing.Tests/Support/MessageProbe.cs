using System.Collections.Concurrent;
using Billing.Infrastructure.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.Support;

/// <summary>
/// Receives every <typeparamref name="T"/> published on the ground's virtual host, on a queue of its own (deleted with
/// it) and without an inbox, so a test counts what reached the transport: a message sent twice is seen twice.
/// </summary>
public sealed class MessageProbe<T> : IAsyncDisposable
    where T : class
{
    readonly IHost _host;
    readonly ConcurrentQueue<Delivery<T>> _deliveries;

    MessageProbe(IHost host, ConcurrentQueue<Delivery<T>> deliveries, string queue)
    {
        _host = host;
        _deliveries = deliveries;
        Queue = queue;
    }

    /// <summary>The probe's own queue, for waiting until it is drained.</summary>
    public string Queue { get; }

    public IReadOnlyList<T> Received => _deliveries.Select(d => d.Message).ToArray();

    /// <summary>Every delivery in the order it came, with the transport's MessageId and when the probe got it (UTC).</summary>
    public IReadOnlyList<Delivery<T>> Deliveries => _deliveries.ToArray();

    public static async Task<MessageProbe<T>> Start(TestGround ground)
    {
        var received = new ConcurrentQueue<Delivery<T>>();
        var queue = $"probe-{typeof(T).Name}-{NewId.Next():N}";
        var builder = Host.CreateApplicationBuilder();
        InProcessHost.Configure(builder.Configuration, ground);
        var rabbit = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()!;

        // Start-up returns once the queue is bound, so nothing published after it is missed.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = rabbit.StartTimeout;
        });
        builder.Services.AddMassTransit(x => x.UsingRabbitMq((_, cfg) =>
        {
            cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
            {
                h.Username(rabbit.Username);
                h.Password(rabbit.Password);
            });
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<T>(context =>
                {
                    received.Enqueue(new Delivery<T>(context.MessageId, context.Message, DateTime.UtcNow));
                    return Task.CompletedTask;
                });
            });
        }));

        var host = builder.Build();
        await host.StartAsync();
        return new MessageProbe<T>(host, received, queue);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

public sealed record Delivery<T>(Guid? MessageId, T Message, DateTime ReceivedAt);

using System.Collections.Concurrent;
using Billing.Infrastructure.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.Support;

/// <summary>
/// Receives every <typeparamref name="T"/> published on the test virtual host, on a queue of its own (deleted with it),
/// so a test sees exactly what the service published.
/// </summary>
public sealed class MessageProbe<T> : IAsyncDisposable
    where T : class
{
    readonly IHost _host;
    readonly ConcurrentQueue<T> _received;

    MessageProbe(IHost host, ConcurrentQueue<T> received)
    {
        _host = host;
        _received = received;
    }

    public IReadOnlyList<T> Received => _received.ToArray();

    public static async Task<MessageProbe<T>> Start(StackFixture stack)
    {
        var received = new ConcurrentQueue<T>();
        var builder = Host.CreateApplicationBuilder();
        InProcessHost.Configure(builder.Configuration, stack);
        var rabbit = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()!;

        // Start-up returns once the queue is bound, so nothing published after it is missed.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x => x.UsingRabbitMq((_, cfg) =>
        {
            cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
            {
                h.Username(rabbit.Username);
                h.Password(rabbit.Password);
            });
            cfg.ReceiveEndpoint($"probe-{typeof(T).Name}-{NewId.Next():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<T>(context =>
                {
                    received.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        }));

        var host = builder.Build();
        await host.StartAsync();
        return new MessageProbe<T>(host, received);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

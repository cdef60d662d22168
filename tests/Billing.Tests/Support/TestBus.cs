using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.Support;

/// <summary>A client of the bus (like the API): publishes and schedules, consumes nothing.</summary>
public sealed class TestBus : IAsyncDisposable
{
    readonly IHost _host;

    TestBus(IHost host) => _host = host;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static async Task<TestBus> Start(TestGround ground)
    {
        var builder = Host.CreateApplicationBuilder();
        InProcessHost.Configure(builder.Configuration, ground);
        builder.Services.AddBillingPersistence(builder.Configuration);
        builder.Services.AddBillingMessaging(builder.Configuration, BusRole.Client);

        var host = builder.Build();
        await host.StartAsync();
        return new TestBus(host);
    }

    public async Task Schedule<T>(DateTime dueUtc, T message)
        where T : class
    {
        using var scope = _host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IMessageScheduler>().SchedulePublish(dueUtc, message);
    }

    public async Task ScheduleSend<T>(Uri destination, DateTime dueUtc, T message)
        where T : class
    {
        using var scope = _host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IMessageScheduler>().ScheduleSend(destination, dueUtc, message);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

using System.Diagnostics;
using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Messaging.Grouping;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Billing.Benchmarks;

public enum SagaStore
{
    InMemory,

    /// <summary>The Postgres repository and inbox/outbox, one message per transaction.</summary>
    PostgresWithOutbox,

    /// <summary>The same with the saga's endpoint in consume groups (Messaging:Grouping:tally-state, else 16 a group).</summary>
    PostgresGrouped,
}

/// <summary>
/// Saga transitions per second through RabbitMQ: tally sagas, each opened and added to <c>events</c> times,
/// the messages published round by round so many sagas are in flight at once. Timed from the first publish
/// to the last completion.
/// </summary>
public static class SagaThroughput
{
    /// <summary>
    /// Fills the saga queue first (consumers stopped), then times the consumers draining it: the figure is the
    /// saga's throughput, not the publisher's.
    /// </summary>
    public static async Task<double> Run(IConfiguration configuration, SagaStore store, int sagas, int events)
    {
        var ids = Enumerable.Range(0, sagas).Select(_ => NewId.NextGuid()).ToArray();

        // Start once so the queues and bindings exist, stop, and publish every message into the queue.
        using (var topology = Build(configuration, store))
        {
            await topology.StartAsync();
            var bus = topology.Services.GetRequiredService<IBus>();
            await topology.StopAsync();
            using var publisher = Build(configuration, null);
            await publisher.StartAsync();
            await Publish(publisher.Services.GetRequiredService<IBus>(), ids, events);
            await publisher.StopAsync();
        }

        using var host = Build(configuration, store);
        var counter = host.Services.GetRequiredService<CompletionCounter>();
        var clock = Stopwatch.StartNew();
        await host.StartAsync();
        try
        {
            await counter.WaitFor(sagas, TimeSpan.FromMinutes(5));
            return sagas * (events + 1) / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    static async Task Publish(IBus bus, Guid[] ids, int events)
    {
        for (var round = 0; round <= events; round++)
        {
            var messages = round == 0
                ? ids.Select(id => (object)new OpenTally { TallyId = id, ExpectedCount = events })
                : ids.Select(id => (object)new AddToTally { TallyId = id, Sequence = round });
            await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (message, ct) => await bus.Publish(message, message.GetType(), ct));
        }
    }

    /// <summary>A host with the tally saga in the given store, or a publish-only client when <paramref name="store"/> is null.</summary>
    static IHost Build(IConfiguration configuration, SagaStore? store)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddBillingPersistence(builder.Configuration);
        builder.Services.AddSingleton<CompletionCounter>();
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.DisableUsageTelemetry();
            if (store is SagaStore.PostgresWithOutbox or SagaStore.PostgresGrouped)
            {
                x.AddPostgresMessaging<BillingDbContext>(grouping: store == SagaStore.PostgresGrouped ? Grouped(builder.Configuration) : null);
                x.AddSagaStateMachine<TallyStateMachine, TallyState>();
            }
            else if (store == SagaStore.InMemory)
                x.AddSagaStateMachine<TallyStateMachine, TallyState>().InMemoryRepository();

            if (store is not null)
                x.AddConsumer<CompletionCounterConsumer>();

            x.UsingRabbitMq((context, cfg) =>
            {
                var rabbit = builder.Configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()!;
                cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                });
                cfg.PrefetchCount = rabbit.PrefetchCount;
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder.Build();
    }

    const string SagaEndpoint = "tally-state";

    static Dictionary<string, EndpointGrouping> Grouped(IConfiguration configuration) =>
        new() { [SagaEndpoint] = EndpointGrouping.From(configuration).GetValueOrDefault(SagaEndpoint) ?? new EndpointGrouping() };

    sealed class CompletionCounter
    {
        int _count;
        readonly SemaphoreSlim _changed = new(0);

        public void Increment()
        {
            Interlocked.Increment(ref _count);
            _changed.Release();
        }

        public async Task WaitFor(int expected, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref _count) < expected)
            {
                if (clock.Elapsed > timeout)
                    throw new TimeoutException($"Only {_count} of {expected} sagas completed in {timeout}.");
                await _changed.WaitAsync(TimeSpan.FromSeconds(1));
            }
        }
    }

    sealed class CompletionCounterConsumer(CompletionCounter counter) : IConsumer<TallyCompleted>
    {
        public Task Consume(ConsumeContext<TallyCompleted> context)
        {
            counter.Increment();
            return Task.CompletedTask;
        }
    }
}

using Billing.Infrastructure.Messaging.Grouping;
using Billing.Infrastructure.Messaging.Outbox;
using Billing.Infrastructure.Messaging.Resilience;
using Billing.Infrastructure.Messaging.Sagas;
using Billing.Infrastructure.Messaging.Scheduling;
using Billing.Infrastructure.Postgres;
using MassTransit;
using MassTransit.Middleware;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// MassTransit on Postgres, in the shape of MassTransit's own EF Core and Quartz integrations (which the
/// package registry here does not carry): sagas, the consumer inbox/outbox and the message scheduler.
/// </summary>
public static class PostgresMessagingRegistration
{
    /// <summary>
    /// Registers the Postgres saga repository (for every saga without one of its own), the inbox/outbox and its
    /// delivery service, the scheduler's consumers and background services, and wires every endpoint configured by
    /// <c>ConfigureEndpoints</c> with concurrency retries and the outbox. Pair it with
    /// <see cref="UsePostgresMessageScheduler"/> on the bus.
    /// </summary>
    /// <param name="aheadOfTransaction">
    /// Filters for work a message needs that must not hold its consume transaction (a PDF's render): added inside the
    /// retries and the database breaker, before the consume group and the outbox, so they run before the transaction
    /// begins and before the message joins a group. A filter a consumer definition adds comes after the group instead.
    /// </param>
    public static IBusRegistrationConfigurator AddPostgresMessaging<TDbContext>(this IBusRegistrationConfigurator x,
        Action<InboxOptions>? configureInbox = null, Action<SchedulerOptions>? configureScheduler = null,
        Action<OutboxDeliveryOptions>? configureDelivery = null, IReadOnlyDictionary<string, EndpointGrouping>? grouping = null,
        Action<IRegistrationContext, string, IReceiveEndpointConfigurator>? aheadOfTransaction = null)
        where TDbContext : DbContext
    {
        // The delivery service and the scheduler reach Postgres through the application's NpgsqlDataSource singleton.
        var scheduler = new SchedulerOptions();
        configureScheduler?.Invoke(scheduler);
        x.Configure<SchedulerOptions>(o =>
        {
            o.QueueName = scheduler.QueueName;
            o.PollInterval = scheduler.PollInterval;
            o.BatchSize = scheduler.BatchSize;
            o.SendTimeout = scheduler.SendTimeout;
            o.MaxSendAttempts = scheduler.MaxSendAttempts;
            o.SendToExchange = scheduler.SendToExchange;
        });
        x.Configure<InboxOptions>(o => configureInbox?.Invoke(o));
        x.Configure<OutboxDeliveryOptions>(o => configureDelivery?.Invoke(o));
        x.TryAddSingleton(TimeProvider.System);
        x.TryAddSingleton<PostgresAvailability>();
        x.TryAddSingleton<SendTimeouts>();

        x.SetPostgresSagaRepositoryProvider<TDbContext>();
        x.AddScoped<IOutboxContextFactory<TDbContext>, PostgresOutboxContextFactory<TDbContext>>();
        x.TryAddScoped<ConsumeTransaction>();
        x.TryAddScoped<ConsumeGroupSlot>();
        x.AddHostedService<InboxCleanupService<TDbContext>>();
        x.TryAddSingleton<OutboxDeliverySignal>();
        x.AddHostedService<OutboxDeliveryService>();

        x.AddConsumer<ScheduleMessageConsumer<TDbContext>>().Endpoint(e => e.Name = scheduler.QueueName);
        x.AddConsumer<CancelScheduledMessageConsumer<TDbContext>>().Endpoint(e => e.Name = scheduler.QueueName);
        x.AddMessageScheduler(scheduler.SchedulerAddress);
        x.AddSingleton<ScheduledMessageDispatcher<TDbContext>>();
        x.AddHostedService(sp => sp.GetRequiredService<ScheduledMessageDispatcher<TDbContext>>());

        x.AddConfigureEndpointsCallback((context, name, endpoint) =>
        {
            endpoint.UseTransientFaultHandling(context);
            endpoint.UsePostgresConcurrencyRetry();

            // Not the scheduler: its commands are idempotent by token already, and the redelivery commands of one
            // message all carry that message's MT-OriginalMessageId, which the inbox would take for duplicates.
            if (name == scheduler.QueueName)
                return;
            aheadOfTransaction?.Invoke(context, name, endpoint);
            if (grouping is not null && grouping.TryGetValue(name, out var group) && group.IsOn)
                endpoint.UseFilter(new ConsumeGroupFilter<TDbContext>(context, name, group));
            endpoint.UsePostgresOutbox<TDbContext>(context);
        });

        return x;
    }

    /// <summary>Schedule and cancel commands (scheduled redelivery, saga timeouts) go to the Postgres scheduler's queue.</summary>
    public static void UsePostgresMessageScheduler(this IBusFactoryConfigurator configurator, IBusRegistrationContext context)
    {
        var options = context.GetRequiredService<Microsoft.Extensions.Options.IOptions<SchedulerOptions>>().Value;
        configurator.UseMessageScheduler(options.SchedulerAddress);
    }

    /// <summary>
    /// The consumer outbox and inbox on an endpoint configured by hand (ConfigureEndpoints endpoints get it already).
    /// </summary>
    public static void UsePostgresOutbox<TDbContext>(this IReceiveEndpointConfigurator configurator, IRegistrationContext context)
        where TDbContext : DbContext
    {
        var deliveryLimit = context.GetRequiredService<Microsoft.Extensions.Options.IOptions<InboxOptions>>().Value.MessageDeliveryLimit;
        var observer = new MassTransit.Configuration.OutboxConsumePipeSpecificationObserver<TDbContext>(configurator, context)
        {
            MessageDeliveryLimit = deliveryLimit,
        };
        configurator.ConnectConsumerConfigurationObserver(observer);
        configurator.ConnectSagaConfigurationObserver(observer);
    }

    /// <summary>
    /// Waits out a database or broker that is briefly away (a restart, a failover, a full pool) instead of sending the
    /// message to its error queue: while Postgres is unreachable every delivery waits at the process's breaker
    /// (<see cref="PostgresAvailability"/>) without spending attempts, and transient failures are retried at growing
    /// intervals, about a minute in all. Outermost, so a lost race retried inside it does not use up these waits.
    /// </summary>
    public static void UseTransientFaultHandling(this IConsumePipeConfigurator configurator, IRegistrationContext context)
    {
        configurator.UseMessageRetry(r =>
        {
            r.Handle<Exception>(TransientFaults.IsTransient);
            r.Intervals(
                TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
                TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
        });
        configurator.UseFilter(new PostgresAvailabilityFilter(context.GetRequiredService<PostgresAvailability>()));
    }

    /// <summary>
    /// Retries at once when Postgres reports a lost race (a concurrent insert of the same saga, a deadlock):
    /// the transaction rolled back, so running the message again is safe and normally wins.
    /// </summary>
    public static void UsePostgresConcurrencyRetry(this IConsumePipeConfigurator configurator) =>
        configurator.UseMessageRetry(r =>
        {
            r.Handle<Exception>(PostgresErrors.IsConcurrencyConflict);
            r.Immediate(10);
        });
}

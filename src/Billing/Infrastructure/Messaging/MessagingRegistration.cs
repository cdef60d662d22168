using Billing.Contracts.Refunds;
using Billing.Features.BillingRuns;
using Billing.Features.Diagnostics;
using Billing.Features.Passbook;
using Billing.Features.Refunds;
using Billing.Features.StatementDelivery;
using Billing.Hosting;
using Billing.Infrastructure.Messaging.Grouping;
using Billing.Infrastructure.Messaging.Scheduling;
using Billing.Infrastructure.Persistence;
using MassTransit;

namespace Billing.Infrastructure.Messaging;

public enum BusRole
{
    /// <summary>Publishes and sends only (the API, the CLI): no consumers, no background delivery.</summary>
    Client,

    /// <summary>Runs the sagas, consumers and the scheduler.</summary>
    Worker,
}

public static class MessagingRegistration
{
    /// <param name="roles">A worker's roles: only their consumers are registered, so only their endpoints are configured.</param>
    public static IServiceCollection AddBillingMessaging(this IServiceCollection services, IConfiguration configuration, BusRole role,
        WorkerRoles? roles = null)
    {
        roles ??= WorkerRoles.All;
        services.Configure<RabbitMqOptions>(configuration.GetSection(RabbitMqOptions.Section));
        services.Configure<DiagnosticsOptions>(configuration.GetSection("Diagnostics"));
        services.AddSingleton(TimeProvider.System);
        FaultInjection.AddIfConfigured(services, configuration);

        var rabbitMq = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        var quorum = rabbitMq.QueueType == RabbitQueueType.Quorum;
        var scheduler = configuration.GetSection("Scheduler").Get<SchedulerOptions>() ?? new SchedulerOptions();
        scheduler.SendToExchange |= quorum;

        // Start-up returns once every endpoint is bound: a publish before that would find no queue and be lost.
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()?.StartTimeout;
        });
        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.DisableUsageTelemetry();

            if (role == BusRole.Worker)
            {
                x.AddPostgresMessaging<BillingDbContext>(
                    inbox => configuration.GetSection("Inbox").Bind(inbox),
                    s =>
                    {
                        configuration.GetSection("Scheduler").Bind(s);
                        s.SendToExchange |= quorum;
                    },
                    outbox =>
                    {
                        configuration.GetSection("Outbox").Bind(outbox);
                        outbox.ListenConnectionString ??= configuration.GetConnectionString("BillingListen");
                    },
                    EndpointGrouping.From(configuration),
                    StatementPdfPrerender.AheadOfTransaction);
                if (roles.Has(WorkerRole.Billing))
                {
                    x.AddDiagnostics();
                    x.AddBillingRunSagas();
                }

                if (roles.Has(WorkerRole.Refunds))
                    x.AddRefundSagas();
                if (roles.Has(WorkerRole.Passbook))
                    x.AddPassbookConsumers();
                x.AddStatementDeliveryConsumers(configuration, pdf: roles.Has(WorkerRole.Pdf), messages: roles.Has(WorkerRole.Delivery));
            }
            else
                x.AddMessageScheduler(scheduler.SchedulerAddress);

            // How long POST /refunds waits for the saga's decision before answering 503 "send it again".
            x.AddRequestClient<RequestRefund>(configuration.GetValue("Refunds:IntakeTimeout", TimeSpan.FromSeconds(15)));

            x.UsingRabbitMq((context, cfg) =>
            {
                var rabbit = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
                cfg.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                    h.ConnectionName(rabbit.ConnectionName);
                });
                cfg.PrefetchCount = rabbit.PrefetchCount;
                cfg.ConnectEndpointConfigurationObserver(new QueueTypeObserver(rabbit.QueueType));

                if (role == BusRole.Worker)
                    cfg.UsePostgresMessageScheduler(context);
                else
                    cfg.UseMessageScheduler(scheduler.SchedulerAddress);

                if (role == BusRole.Worker && roles.Has(WorkerRole.Refunds))
                    cfg.ConfigureRefundLanes(context);
                cfg.ConfigureEndpoints(context);
            });
        });

        // After MassTransit's hosted service, which starts the bus these wait for.
        if (role == BusRole.Worker)
        {
            services.AddSingleton<WorkerReadiness>();
            services.AddHostedService(sp => sp.GetRequiredService<WorkerReadiness>());
        }
        else
            services.AddHostedService<ResponseEndpointWarmUp>();

        return services;
    }
}

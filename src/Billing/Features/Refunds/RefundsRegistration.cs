using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Alarms;
using Billing.Features.Refunds.Api;
using Billing.Features.Refunds.Lanes;
using Billing.Features.Refunds.Reconciler;
using Billing.Features.Refunds.Providers;
using Billing.Features.Refunds.Saga;
using Billing.Infrastructure.Messaging;
using MassTransit;

namespace Billing.Features.Refunds;

public static class RefundsRegistration
{
    /// <summary>The refund options, for every role (the API validates methods against the same list).</summary>
    public static IServiceCollection AddRefunds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RefundOptions>()
            .Bind(configuration.GetSection(RefundOptions.Section))
            .Validate(o => o.Methods.Count > 0, $"Configure at least one payment method under {RefundOptions.Section}:Methods.")
            .ValidateOnStart();
        services.Configure<Webhooks.StripeWebhookOptions>(configuration.GetSection(Webhooks.StripeWebhookOptions.Section));
        return services;
    }

    /// <summary>The provider adapters and the attempt runner: only the worker calls providers.</summary>
    public static IServiceCollection AddRefundAttempts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRefundProviders(configuration);
        // Scoped like the consumers: the typed HTTP clients behind it are transient, so their handlers keep rotating.
        services.AddScoped<RefundAttemptRunner>();
        services.AddSingleton<FirstAttemptClaim>();
        services.AddSingleton<RefundRows>();
        return services;
    }

    /// <summary>The read side the API serves.</summary>
    public static IServiceCollection AddRefundQueries(this IServiceCollection services)
    {
        services.AddScoped<RefundQueries>();
        services.AddScoped<RefundActions>();
        services.AddScoped<RefundErrorStats>();
        return services;
    }

    /// <summary>The refund saga and the reconciler's consumers (endpoints by convention, with the outbox).</summary>
    public static void AddRefundSagas(this IBusRegistrationConfigurator x)
    {
        x.AddSagaStateMachine<RefundStateMachine, RefundState>();
        x.AddConsumer<FastLaneConsumer>().ExcludeFromConfigureEndpoints();
        x.AddConsumer<SlowLaneConsumer>().ExcludeFromConfigureEndpoints();
        x.AddConsumer<ReconciliationDueConsumer>();
        x.AddConsumer<RefundReconciledConsumer>();
        x.AddConsumer<SupportMailConsumer, SupportMailConsumerDefinition>();
        x.AddConsumer<PaidTwiceAlarmConsumer, PaidTwiceAlarmConsumerDefinition>();
        x.AddConsumer<SupportDigestConsumer, SupportDigestConsumerDefinition>();
        x.AddConsumer<RecordRefundablePaymentConsumer>();
    }

    /// <summary>
    /// Two queues per payment method, so one method's outage or slowness never holds up another's refunds.
    /// The lanes run without the inbox/outbox: they hold no state of their own and keep no transaction open
    /// across a provider call; the provider's idempotency key, the look-up before paying and the saga's
    /// once-per-attempt-number rule make their at-least-once delivery safe.
    /// </summary>
    public static void ConfigureRefundLanes(this IRabbitMqBusFactoryConfigurator cfg, IBusRegistrationContext context)
    {
        var options = context.GetRequiredService<Microsoft.Extensions.Options.IOptions<RefundOptions>>().Value;
        foreach (var (method, settings) in options.Methods)
        {
            cfg.ReceiveEndpoint(RefundLanes.FastQueue(method), e => ConfigureLane<FastLaneConsumer>(e, settings, context));
            cfg.ReceiveEndpoint(RefundLanes.SlowQueue(method), e => ConfigureLane<SlowLaneConsumer>(e, settings, context));
        }
    }

    static void ConfigureLane<TConsumer>(IRabbitMqReceiveEndpointConfigurator endpoint, RefundMethodOptions settings, IBusRegistrationContext context)
        where TConsumer : class, IConsumer
    {
        // Attempts are sent to one lane, never published: no exchange binding, so no lane sees another's attempts.
        endpoint.ConfigureConsumeTopology = false;
        endpoint.PrefetchCount = settings.Concurrency * 2;
        endpoint.ConcurrentMessageLimit = settings.Concurrency;
        // The database or broker briefly away is waited out; then our own infrastructure failing otherwise (the broker
        // refusing a publish) is retried a few times. Provider trouble never throws.
        endpoint.UseTransientFaultHandling(context);
        endpoint.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
        endpoint.ConfigureConsumer<TConsumer>(context);
    }
}

using Billing.Features.Observability;

namespace Billing.Infrastructure.Messaging.Watchdog;

public static class BrokerWatchdogRegistration
{
    /// <summary>
    /// Worker role: the watchdog and its ready check. Register it before the bus (AddBillingMessaging): hosted services
    /// start in order, and MassTransit's waits for the bus, so a watchdog after it would not look at a start-up that hangs.
    /// </summary>
    public static IServiceCollection AddBrokerWatchdog(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BrokerWatchdogOptions>(configuration.GetSection(BrokerWatchdogOptions.Section));
        services.AddSingleton<BrokerWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<BrokerWatchdog>());
        services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }
}

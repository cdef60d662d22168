using Billing.Features.Observability;

namespace Billing.Infrastructure.Messaging.Watchdog;

public static class BrokerWatchdogRegistration
{
    /// <summary>Worker role: the watchdog (after MassTransit's hosted service, so it starts once the bus has) and its ready check.</summary>
    public static IServiceCollection AddBrokerWatchdog(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BrokerWatchdogOptions>(configuration.GetSection(BrokerWatchdogOptions.Section));
        services.AddSingleton<BrokerWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<BrokerWatchdog>());
        services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }
}

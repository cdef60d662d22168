using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Features.StatementDelivery;

public static class StatementDeliveryRegistration
{
    /// <summary>The worker's part: reading statements and recording deliveries (the renderer and senders come with it).</summary>
    public static IServiceCollection AddStatementDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStatementLinks(configuration);
        services.AddScoped<DeliveryRecords>();
        services.AddScoped<ChannelDelivery>();
        services.AddSingleton<WhatsAppMedia>();
        services.AddSingleton<DeliveryAcceptances>();
        if (configuration.GetValue($"{DeliveryOptions.Section}:Enabled", true) && configuration.GetValue($"{DeliveryOptions.Section}:Sweep:Enabled", true))
            services.AddHostedService<UnsettledDeliverySweep>();
        return services;
    }

    /// <summary>
    /// Signing and reading statement short links, and reading a statement as it is shown; the API needs them to serve
    /// links and to re-issue a statement.
    /// </summary>
    public static IServiceCollection AddStatementLinks(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DeliveryOptions>(configuration.GetSection(DeliveryOptions.Section));
        services.AddSingleton<StatementLinks>();
        services.TryAddScoped<StatementRecipients>();
        return services;
    }

    /// <summary>The four channels' consumers, unless delivery is turned off (<c>Statements:Delivery:Enabled</c>).</summary>
    public static void AddStatementDeliveryConsumers(this IBusRegistrationConfigurator x, IConfiguration configuration)
    {
        if (!configuration.GetValue($"{DeliveryOptions.Section}:Enabled", true))
            return;
        x.AddConsumer<StatementSmsConsumer, StatementSmsConsumerDefinition>();
        x.AddConsumer<StatementPdfConsumer, StatementPdfConsumerDefinition>();
        x.AddConsumer<StatementEmailConsumer, StatementEmailConsumerDefinition>();
        x.AddConsumer<StatementWhatsAppConsumer, StatementWhatsAppConsumerDefinition>();
    }
}

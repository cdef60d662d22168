using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Features.StatementDelivery;

public static class StatementDeliveryRegistration
{
    /// <summary>
    /// The worker's part: reading statements and recording deliveries (the renderer and senders come with it), and the
    /// sweep of unsettled deliveries when <paramref name="sweep"/> (the jobs role).
    /// </summary>
    public static IServiceCollection AddStatementDelivery(this IServiceCollection services, IConfiguration configuration, bool sweep)
    {
        services.AddStatementLinks(configuration);
        services.AddScoped<DeliveryRecords>();
        services.AddScoped<ChannelDelivery>();
        services.AddSingleton<WhatsAppMedia>();
        services.AddSingleton<DeliveryAcceptances>();
        if (sweep && configuration.GetValue($"{DeliveryOptions.Section}:Enabled", true) && configuration.GetValue($"{DeliveryOptions.Section}:Sweep:Enabled", true))
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
        services.TryAddScoped<DeliveryRetry>();
        return services;
    }

    /// <summary>
    /// The channels' consumers, unless delivery is turned off (<c>Statements:Delivery:Enabled</c>): the PDF's when
    /// <paramref name="pdf"/> (a render node), SMS, e-mail and WhatsApp when <paramref name="messages"/>. A consumer not
    /// registered has no endpoint, so its queue is consumed by the workers that have it.
    /// </summary>
    public static void AddStatementDeliveryConsumers(this IBusRegistrationConfigurator x, IConfiguration configuration, bool pdf,
        bool messages)
    {
        if (!configuration.GetValue($"{DeliveryOptions.Section}:Enabled", true))
            return;
        if (messages)
            x.AddConsumer<StatementSmsConsumer, StatementSmsConsumerDefinition>();
        if (pdf)
            x.AddConsumer<StatementPdfConsumer, StatementPdfConsumerDefinition>();
        if (messages)
        {
            x.AddConsumer<StatementEmailConsumer, StatementEmailConsumerDefinition>();
            x.AddConsumer<StatementWhatsAppConsumer, StatementWhatsAppConsumerDefinition>();
        }
    }
}

using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Each channel on a queue of its own with its own concurrency, so a slow or dark provider holds up only its channel.
/// Retries are the channel's own (<see cref="ChannelDelivery"/>), not the endpoint's: a failed call is an outcome to
/// record and schedule, not an exception.
/// </summary>
public abstract class DeliveryConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    readonly ChannelPolicy _policy;

    protected DeliveryConsumerDefinition(IOptions<DeliveryOptions> options, string channel)
    {
        _policy = options.Value.For(channel);
        EndpointName = $"statement-{channel}";
        ConcurrentMessageLimit = _policy.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = _policy.Concurrency * 2;
    }
}

public sealed class StatementSmsConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementSmsConsumer>(options, DeliveryChannels.Sms);

public sealed class StatementPdfConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementPdfConsumer>(options, DeliveryChannels.Pdf);

public sealed class StatementEmailConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementEmailConsumer>(options, DeliveryChannels.Email);

public sealed class StatementWhatsAppConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementWhatsAppConsumer>(options, DeliveryChannels.WhatsApp);

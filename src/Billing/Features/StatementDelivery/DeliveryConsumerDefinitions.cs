using MassTransit;
using Billing.Features.StatementPdfs;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Each channel on a queue of its own with its own concurrency, so a slow or dark provider holds up only its channel.
/// Retries are the channel's own (<see cref="ChannelDelivery"/>), not the endpoint's: a failed call is an outcome to
/// record and schedule, not an exception.
/// </summary>
public abstract class DeliveryConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    readonly int _concurrency;

    protected DeliveryConsumerDefinition(IOptions<DeliveryOptions> options, string channel, int? concurrency = null)
    {
        _concurrency = concurrency ?? options.Value.For(channel).Concurrency;
        EndpointName = DeliveryChannels.Queue(channel);
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = _concurrency * 2;
    }
}

public sealed class StatementSmsConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementSmsConsumer>(options, DeliveryChannels.Sms);

/// <summary>
/// The PDF endpoint is as wide as the renderer can use; it renders ahead of each message's transaction through
/// <see cref="StatementPdfPrerender.AheadOfTransaction"/>, not here: a filter added here would run after the consume group.
/// </summary>
public sealed class StatementPdfConsumerDefinition(IOptions<DeliveryOptions> options, IOptions<StatementPdfOptions> pdf)
    : DeliveryConsumerDefinition<StatementPdfConsumer>(options, DeliveryChannels.Pdf, Concurrency(options.Value.Pdf, pdf.Value))
{
    /// <summary>As configured, or two full batches per page (one printing, one filling); a page per print needs two per page.</summary>
    static int Concurrency(ChannelPolicy policy, StatementPdfOptions pdf) =>
        policy.Concurrency > 0 ? policy.Concurrency
        : pdf.Pages * 2 * (pdf.Mode == StatementPdfModes.Batched ? pdf.BatchSize : 1);
}

public sealed class StatementEmailConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementEmailConsumer>(options, DeliveryChannels.Email);

public sealed class StatementWhatsAppConsumerDefinition(IOptions<DeliveryOptions> options)
    : DeliveryConsumerDefinition<StatementWhatsAppConsumer>(options, DeliveryChannels.WhatsApp);

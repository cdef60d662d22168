using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Diagnostics;

public class DiagnosticsOptions
{
    /// <summary>Redeliveries of a failing probe, and their exponential intervals (first ≈ IntervalDelta, doubling).</summary>
    public int RedeliveryLimit { get; set; } = 5;

    public TimeSpan RedeliveryIntervalDelta { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RedeliveryMaxInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Scheduled redelivery (through the Postgres scheduler) with exponentially growing intervals.</summary>
public class RedeliveryProbeConsumerDefinition(IOptions<DiagnosticsOptions> options) : ConsumerDefinition<RedeliveryProbeConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RedeliveryProbeConsumer> consumerConfigurator, IRegistrationContext context)
    {
        var o = options.Value;
        endpointConfigurator.UseScheduledRedelivery(r =>
        {
            r.Handle<ProbeFailureException>();
            r.Exponential(o.RedeliveryLimit, TimeSpan.Zero, o.RedeliveryMaxInterval, o.RedeliveryIntervalDelta);
        });
    }
}

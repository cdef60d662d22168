using MassTransit;

namespace Billing.Infrastructure.Messaging;

/// <summary>The RabbitMQ queue type of the queues the service consumes (<c>RabbitMq:QueueType</c>).</summary>
public enum RabbitQueueType
{
    /// <summary>One node holds each queue: what RabbitMQ declares by default.</summary>
    Classic,

    /// <summary>Replicated over the cluster's nodes by Raft: a node that dies loses no message (RabbitMQ 3.8+).</summary>
    Quorum,
}

/// <summary>
/// Declares every durable queue the bus consumes (ConfigureEndpoints' and those configured by hand, such as the refund
/// lanes) as the configured type, with MassTransit's own <c>SetQuorumQueue()</c>, which also gives their <c>_error</c>
/// and <c>_skipped</c> queues the type. The bus's temporary endpoints (request responses, faults) are exclusive and
/// auto-deleted, which a quorum queue cannot be, so they stay classic: they hold nothing that outlives the process.
/// </summary>
public sealed class QueueTypeObserver(RabbitQueueType queueType) : IEndpointConfigurationObserver
{
    public void EndpointConfigured<T>(T configurator)
        where T : IReceiveEndpointConfigurator
    {
        if (queueType == RabbitQueueType.Quorum && configurator is IRabbitMqReceiveEndpointConfigurator rabbit && !IsTemporary(configurator.InputAddress))
            rabbit.SetQuorumQueue();
    }

    // MassTransit marks a temporary endpoint's address (temporary=true; autodelete/durable=false for hand-made ones).
    static bool IsTemporary(Uri address) =>
        address.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase)
        || address.Query.Contains("autodelete=true", StringComparison.OrdinalIgnoreCase)
        || address.Query.Contains("durable=false", StringComparison.OrdinalIgnoreCase);
}

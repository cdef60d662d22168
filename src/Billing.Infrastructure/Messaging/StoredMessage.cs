using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Serialization;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// A serialized message waiting in Postgres to be sent to the broker: the columns the outbox and the
/// scheduler share. It is MassTransit's <see cref="OutboxMessageContext"/>, so MassTransit's own
/// <see cref="OutboxMessageSendPipe"/> can put it back on the wire with its ids and headers intact.
/// </summary>
public abstract class StoredMessage : OutboxMessageContext
{
    Headers? _headers;
    IReadOnlyDictionary<string, object>? _properties;

    public long SequenceNumber { get; set; }
    public Guid MessageId { get; set; }
    public Guid? ConversationId { get; set; }
    public Guid? CorrelationId { get; set; }
    public Guid? InitiatorId { get; set; }
    public Guid? RequestId { get; set; }
    public Uri? SourceAddress { get; set; }
    public Uri? DestinationAddress { get; set; }
    public Uri? ResponseAddress { get; set; }
    public Uri? FaultAddress { get; set; }
    public DateTime SentTime { get; set; }
    public DateTime? ExpirationTime { get; set; }

    /// <summary>Transport headers as JSON.</summary>
    public string? Headers { get; set; }

    /// <summary>Transport properties (routing key and the like) as JSON.</summary>
    public string? Properties { get; set; }

    public string ContentType { get; set; } = null!;
    public string MessageType { get; set; } = null!;
    public string Body { get; set; } = null!;

    Guid? MessageContext.MessageId => MessageId;
    DateTime? MessageContext.SentTime => SentTime;
    Headers MessageContext.Headers => _headers ??= ReadHeaders();
    HostInfo MessageContext.Host => MassTransit.Metadata.HostMetadataCache.Host;
    IReadOnlyDictionary<string, object> OutboxMessageContext.Properties => _properties ??= ReadProperties();

    Headers ReadHeaders()
    {
        var headers = SystemTextJsonMessageSerializer.Instance.DeserializeDictionary<object?>(Headers);
        return headers is null ? EmptyHeaders.Instance : new DictionarySendHeaders(headers);
    }

    IReadOnlyDictionary<string, object> ReadProperties() =>
        SystemTextJsonMessageSerializer.Instance.DeserializeDictionary<object>(Properties)
        ?? new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Copies a send context (what a consumer published or sent) into the stored columns.</summary>
    protected void CopyFrom<T>(SendContext<T> context, DateTime now)
        where T : class
    {
        MessageId = context.MessageId ?? throw new MessageException(typeof(T), "The SendContext MessageId must be present");
        ConversationId = context.ConversationId;
        CorrelationId = context.CorrelationId;
        InitiatorId = context.InitiatorId;
        RequestId = context.RequestId;
        SourceAddress = context.SourceAddress;
        DestinationAddress = context.DestinationAddress;
        ResponseAddress = context.ResponseAddress;
        FaultAddress = context.FaultAddress;
        SentTime = context.SentTime ?? now;
        ExpirationTime = context.TimeToLive.HasValue ? now + context.TimeToLive : null;
        ContentType = context.ContentType?.ToString() ?? context.Serialization.DefaultContentType.ToString();
        MessageType = string.Join(";", context.SupportedMessageTypes);
        Body = context.Serializer.GetMessageBody(context).GetString();
        Headers = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(context.Headers.GetAll());

        if (context is TransportSendContext<T> transportContext)
        {
            var properties = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            transportContext.WritePropertiesTo(properties);
            Properties = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(properties);
        }
    }
}

using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.WhatsApp;

/// <summary>
/// The WhatsApp provider's messages and uploaded media: a message is accepted at most once per <c>Idempotency-Key</c>
/// while the stand-in remembers it (<see cref="StandInOptions.IdempotencyWindow"/>), delivered into the ledger.
/// </summary>
public sealed class WhatsAppBook(Faults faults, Ledger ledger, MessagingKeys keys, TimeProvider clock, IOptions<StandInOptions> options)
{
    readonly IdempotencyStore<GraphAnswer> _answers = new(clock, options.Value.IdempotencyWindow);

    /// <summary>Forgets the idempotency keys (DELETE /control/ledger): a demo that starts its data afresh sends again.</summary>
    public void ForgetKeys() => _answers.Clear();
    readonly Dictionary<string, UploadedMedia> _media = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public IdempotentResult<GraphAnswer> Send(string phoneNumberId, string? key, WhatsAppMessage message) =>
        _answers.Run(keys.Effective(key), message.Fingerprint, () => Execute(phoneNumberId, key, message));

    /// <summary>Keeps an upload's description (not its bytes) and answers its media id.</summary>
    public string Upload(string phoneNumberId, string? filename, string mimeType, long length)
    {
        // Graph's media ids are long decimal numbers.
        var id = Random.Shared.NextInt64(1_000_000_000_000_000, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
            _media[id] = new UploadedMedia(id, phoneNumberId, filename, mimeType, length, clock.GetUtcNow());
        return id;
    }

    public UploadedMedia? FindMedia(string id)
    {
        lock (_gate)
            return _media.GetValueOrDefault(id);
    }

    Execution<GraphAnswer> Execute(string phoneNumberId, string? key, WhatsAppMessage message)
    {
        var roll = faults.Roll(PaymentMethod.WhatsApp);
        switch (roll.Outcome)
        {
            case Outcome.FailRetryable:
                return new(GraphErrors.Retryable(roll.Variant), Keep: false);
            case Outcome.Decline:
                return new(GraphErrors.Decline(roll.Variant), Keep: true);
        }

        var id = $"wamid.{Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_')}";
        ledger.Delivered(new MessageEntry(PaymentMethod.WhatsApp, id, message.To, phoneNumberId, message.Type, message.Body,
            message.Document, message.Template, key, clock.GetUtcNow()));
        var sent = new WhatsAppSent("whatsapp", [new WhatsAppContact(message.To, message.WaId)], [new WhatsAppMessageId(id)]);
        return new(new GraphAnswer(StatusCodes.Status200OK, sent), Keep: true, HoldAfterPay: roll.Outcome == Outcome.PayThenTimeOut);
    }
}

public sealed record UploadedMedia(string Id, string PhoneNumberId, string? Filename, string MimeType, long Length, DateTimeOffset UploadedAt);

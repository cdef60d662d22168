using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Control;

/// <summary>
/// Whether the messaging stand-ins honour their idempotency headers (<c>I-Twilio-Idempotency-Token</c>,
/// <c>Idempotency-Key</c>), stand-in extensions that Twilio's REST API and the WhatsApp Cloud API do not have. Ignoring
/// them makes the stand-ins answer a repeat as the real providers do, with a second message, so a test can show that the
/// service itself sends once. <c>StandIn:MessagingKeys</c> sets it at start, <c>PUT /control/messaging-keys</c> while running.
/// </summary>
public sealed class MessagingKeys(IOptions<StandInOptions> options)
{
    volatile bool _honoured = options.Value.MessagingKeys == MessagingKeyMode.Honoured;

    public bool Honoured => _honoured;

    public MessagingKeyMode Mode
    {
        get => _honoured ? MessagingKeyMode.Honoured : MessagingKeyMode.Ignored;
        set => _honoured = value == MessagingKeyMode.Honoured;
    }

    /// <summary>The key as the book should use it: itself when honoured, none when ignored (as the real providers do).</summary>
    public string? Effective(string? key) => _honoured ? key : null;
}

public enum MessagingKeyMode
{
    /// <summary>A repeat under the same key is the first message again (the stand-in extension).</summary>
    Honoured,

    /// <summary>Keys are recorded in the ledger but change nothing: every request is a new message, as at Twilio and Meta.</summary>
    Ignored,
}

/// <summary>Body of <c>PUT /control/messaging-keys</c>.</summary>
public sealed record MessagingKeysBody(MessagingKeyMode Mode);

namespace Billing.Features.Notifications;

public enum SendStatus
{
    /// <summary>The provider accepted it; <see cref="SendResult.ProviderMessageId"/> names it.</summary>
    Sent,

    /// <summary>
    /// Not known to be sent: a 5xx, 429, a refused connection or a timeout (the provider may have accepted it). Try again
    /// later with the same idempotency key; the provider answers a repeat with the first message.
    /// </summary>
    Retryable,

    /// <summary>The provider refused it for good (a 4xx other than 408/429: bad number, unsubscribed…).</summary>
    Permanent,
}

/// <param name="Error">What went wrong, for the delivery record: the provider's code and message.</param>
/// <param name="OutcomeUnknown">
/// Retryable, and the provider may have accepted the message: the call went out and no answer came back (a timeout, a
/// connection lost after the request, an answer that was not the provider's). Twilio, the WhatsApp Cloud API and SMTP take
/// no idempotency key, so a plain repeat may be a second message: the caller looks the message up, gives up on it, or
/// repeats it knowingly (the channel's <c>OnUnknownOutcome</c>).
/// </param>
public sealed record SendResult(SendStatus Status, string? ProviderMessageId = null, string? Error = null, bool OutcomeUnknown = false)
{
    public static SendResult Sent(string providerMessageId) => new(SendStatus.Sent, providerMessageId);

    /// <summary>Not sent, and known not to be: the provider answered "not now", or could not be reached at all.</summary>
    public static SendResult Retryable(string error) => new(SendStatus.Retryable, Error: error);

    /// <summary>Perhaps sent: no answer, or none that can be read (see <see cref="OutcomeUnknown"/>).</summary>
    public static SendResult Unknown(string error) => new(SendStatus.Retryable, Error: error, OutcomeUnknown: true);
    public static SendResult Permanent(string error) => new(SendStatus.Permanent, Error: error);
}

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
public sealed record SendResult(SendStatus Status, string? ProviderMessageId = null, string? Error = null)
{
    public static SendResult Sent(string providerMessageId) => new(SendStatus.Sent, providerMessageId);
    public static SendResult Retryable(string error) => new(SendStatus.Retryable, Error: error);
    public static SendResult Permanent(string error) => new(SendStatus.Permanent, Error: error);
}

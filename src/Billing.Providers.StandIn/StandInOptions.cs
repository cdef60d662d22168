namespace Billing.Providers.StandIn;

public sealed class StandInOptions
{
    public const string Section = "StandIn";

    /// <summary>
    /// How long a "timeout after pay" answer is held back. Longer than any client waits, so the client gives up
    /// although the money moved; a client that disconnects ends the hold early.
    /// </summary>
    public TimeSpan TimeoutAfterPayHold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the card provider remembers an idempotency key after first storing it; Stripe keeps keys 24 hours.
    /// After that the same key is a new request and pays again, so a caller that retries late must look up first.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The currency of a payment intent the stand-in has not seen (lower-case ISO code). Stripe knows every payment
    /// intent's currency, so a refund need not name it; the stand-in learns an intent's currency from its first refund
    /// that names one, or from <c>PUT /control/payment-intents/{id}</c>.
    /// </summary>
    public string DefaultCurrency { get; set; } = "sek";

    /// <summary>How long a refund the card provider answered <c>pending</c> stays pending before a read shows it succeeded.</summary>
    public TimeSpan PendingFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after succeeding a card refund drawn to fail later (<c>lateFailRate</c>) fails, and its webhook goes.</summary>
    public TimeSpan LateFailAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Where card webhooks go (Stripe's endpoint URL and signing secret); none when empty.</summary>
    public WebhookSettings Webhooks { get; set; } = new();

    /// <summary>
    /// Whether the SMS and WhatsApp stand-ins honour their idempotency headers (the default) or ignore them as Twilio and
    /// the Cloud API do (<see cref="Control.MessagingKeys"/>); <c>PUT /control/messaging-keys</c> changes it while running.
    /// </summary>
    public Control.MessagingKeyMode MessagingKeys { get; set; } = Control.MessagingKeyMode.Honoured;

    /// <summary>The Twilio account the SMS stand-in answers for (basic auth AccountSid:AuthToken). Stand-in values, not secrets.</summary>
    public SmsSettings Sms { get; set; } = new();

    /// <summary>The bearer token the WhatsApp stand-in accepts. A stand-in value, not a secret.</summary>
    public WhatsAppSettings WhatsApp { get; set; } = new();

    public sealed class SmsSettings
    {
        public string AccountSid { get; set; } = "AC5ba1d0f1e2c3b4a5968778695a4b3c2d";
        public string AuthToken { get; set; } = "standin-auth-token";
    }

    public sealed class WhatsAppSettings
    {
        public string AccessToken { get; set; } = "standin-whatsapp-token";
    }

    public sealed class WebhookSettings
    {
        public string? Url { get; set; }
        public string? Secret { get; set; }
    }
}

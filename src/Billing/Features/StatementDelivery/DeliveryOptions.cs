namespace Billing.Features.StatementDelivery;

/// <summary>How statements are delivered once billed (<c>Statements:Delivery</c>).</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Statements:Delivery";

    /// <summary>Off: statements are billed and stored but nothing is rendered or sent (billing-only runs and tests).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the short link in an SMS or WhatsApp message points: {LinkBaseUrl}/s/{code}.</summary>
    public string LinkBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>
    /// The key that signs short links, at least 32 characters; every API and worker process must share it. Unset, the
    /// one made in the database (<c>billing.link_secret</c>) is used, which they share already.
    /// </summary>
    public string? LinkSecret { get; set; }

    // Each message in work holds a pooled connection (its consume transaction) while it calls out, so the sending channels'
    // sum stays inside the connection pool (ConnectionStrings:Billing, Maximum Pool Size 60) with room for the sagas.
    public ChannelPolicy Sms { get; set; } = new() { Concurrency = 12 };

    /// <summary>
    /// Rendering. A PDF is rendered before its transaction (<see cref="StatementPdfPrerender"/>), so a render in work holds
    /// no connection, and 0 (the default) sizes the endpoint from the renderer: two full batches for every page of the pool
    /// (one printing, one filling), as MassTransit's own batch consumer sizes its prefetch from the batch.
    /// </summary>
    public ChannelPolicy Pdf { get; set; } = new() { Concurrency = 0, Attempts = 4 };

    public ChannelPolicy Email { get; set; } = new() { Concurrency = 8 };

    /// <summary>
    /// Its media upload takes a second connection for a moment (<see cref="WhatsAppMedia"/>): keep it well under the pool.
    /// At most once: the Cloud API has no idempotency and no lookup, so a message whose answer was lost is not sent again.
    /// </summary>
    public ChannelPolicy WhatsApp { get; set; } = new() { Concurrency = 8, OnUnknownOutcome = UnknownOutcome.AtMostOnce };

    /// <summary>The sweeper that picks up deliveries nobody is working on (<see cref="UnsettledDeliverySweep"/>).</summary>
    public SweepOptions Sweep { get; set; } = new();

    public ChannelPolicy For(string channel) => channel switch
    {
        DeliveryChannels.Sms => Sms,
        DeliveryChannels.Pdf => Pdf,
        DeliveryChannels.Email => Email,
        DeliveryChannels.WhatsApp => WhatsApp,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Not a delivery channel."),
    };
}

/// <summary>One channel's own retries: attempts in all, the first delay doubling up to <see cref="MaxDelay"/>.</summary>
public sealed class ChannelPolicy
{
    public int Attempts { get; set; } = 6;
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Messages of this channel consumed at once by one worker.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>
    /// What an attempt does when an earlier call's outcome is unknown (no answer: a timeout, a lost connection, a crash
    /// after the call) and, for SMS, the provider's message list did not show it.
    /// </summary>
    public UnknownOutcome OnUnknownOutcome { get; set; } = UnknownOutcome.AtLeastOnce;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * (1L << Math.Min(attempt - 1, 30))));
}

public enum UnknownOutcome
{
    /// <summary>Send again: the holder may get the message twice (e-mail: with the same Message-ID).</summary>
    AtLeastOnce,

    /// <summary>Send nothing more: the delivery settles as <c>unknown</c> for support, who can retry it by hand.</summary>
    AtMostOnce,
}

/// <summary>
/// Section <c>Statements:Delivery:Sweep</c>: how often a worker looks for deliveries nobody is working on (a retry whose
/// scheduled message was lost, a channel whose message no consumer took) and publishes their message again.
/// </summary>
public sealed class SweepOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often a worker looks.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How late a delivery must be before it counts as lost: past its next attempt by this much, or (with none due) this
    /// long without a change. Longer than the scheduler's and the queues' ordinary lag, so a merely late message is not
    /// doubled (a doubled one is harmless anyway: the claim finds the delivery settled).
    /// </summary>
    public TimeSpan LostAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Statements older than this are not swept: a delivery switched on later does not send last year's statements.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Deliveries published again per look, at most.</summary>
    public int BatchSize { get; set; } = 500;
}

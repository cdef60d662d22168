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

    // Each message in work holds a pooled connection (its consume transaction) while it calls out, so the channels' sum
    // stays inside the connection pool (ConnectionStrings:Billing, Maximum Pool Size 60) with room for the sagas.
    public ChannelPolicy Sms { get; set; } = new() { Concurrency = 12 };

    /// <summary>Rendering: enough concurrent messages to fill the renderer's batches on every page of the pool.</summary>
    public ChannelPolicy Pdf { get; set; } = new() { Concurrency = 24, Attempts = 4 };

    public ChannelPolicy Email { get; set; } = new() { Concurrency = 8 };

    /// <summary>Its media upload takes a second connection for a moment (<see cref="WhatsAppMedia"/>): keep it well under the pool.</summary>
    public ChannelPolicy WhatsApp { get; set; } = new() { Concurrency = 8 };

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

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks * (1L << Math.Min(attempt - 1, 30))));
}

namespace Billing.Features.StatementDelivery;

/// <summary>How statements are delivered once billed (<c>Statements:Delivery</c>).</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Statements:Delivery";

    /// <summary>Off: statements are billed and stored but nothing is rendered or sent (billing-only runs and tests).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the short link in an SMS or WhatsApp message points: {LinkBaseUrl}/s/{code}.</summary>
    public string LinkBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public ChannelPolicy Sms { get; set; } = new() { Concurrency = 32 };

    /// <summary>Rendering: enough concurrent messages to fill the renderer's batches on every page of the pool.</summary>
    public ChannelPolicy Pdf { get; set; } = new() { Concurrency = 48, Attempts = 4 };

    public ChannelPolicy Email { get; set; } = new() { Concurrency = 16 };

    public ChannelPolicy WhatsApp { get; set; } = new() { Concurrency = 32 };

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

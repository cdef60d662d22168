namespace Billing.Infrastructure.Messaging.Watchdog;

/// <summary>What the watchdog saw at its last look: each sign that the worker is not consuming or sending, and since when.</summary>
public sealed record BrokerSigns(IReadOnlyDictionary<string, (string Detail, DateTimeOffset Since)> Signs, DateTimeOffset At, bool GaveUp)
{
    public static readonly BrokerSigns None = new(new Dictionary<string, (string, DateTimeOffset)>(), DateTimeOffset.MinValue, false);

    /// <summary>The bus or one of its receive endpoints is not ready (MassTransit's own health).</summary>
    public const string Endpoints = "endpoints";

    /// <summary>A queue the worker's bus says it consumes has none of the worker's consumers at the broker.</summary>
    public const string Consumers = "consumers";

    /// <summary>Stored-message sends timed out one after another.</summary>
    public const string Sends = "sends";

    public static readonly string[] All = [Endpoints, Consumers, Sends];

    public TimeSpan Lasting(string sign) => Signs.TryGetValue(sign, out var s) ? At - s.Since : TimeSpan.Zero;
}

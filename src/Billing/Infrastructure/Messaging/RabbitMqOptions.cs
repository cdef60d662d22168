namespace Billing.Infrastructure.Messaging;

public class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public string Host { get; set; } = "127.0.0.1";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";

    /// <summary>Messages each receive endpoint holds unacknowledged; also its concurrency.</summary>
    public int PrefetchCount { get; set; } = 32;

    public string ManagementUrl { get; set; } = "http://127.0.0.1:15672";

    /// <summary>
    /// How long start-up waits for the bus; past it the process fails to start instead of waiting on. Unset (the
    /// default) waits as long as it takes, for a broker that comes up after the service; the tests set it.
    /// </summary>
    public TimeSpan? StartTimeout { get; set; }
}

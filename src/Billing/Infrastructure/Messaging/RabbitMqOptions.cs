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
}

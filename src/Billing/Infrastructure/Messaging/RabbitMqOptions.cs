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

    /// <summary>
    /// The type of the queues the service consumes: classic (the default) or quorum (replicated; for a cluster). An
    /// existing queue keeps the type it was declared with; see docs/operations.md for moving classic queues to quorum.
    /// </summary>
    public RabbitQueueType QueueType { get; set; } = RabbitQueueType.Classic;

    /// <summary>
    /// The name the process's connections carry at the broker (management UI, <c>rabbitmqctl list_connections</c>); the
    /// worker's watchdog finds its own consumers by it, so it must differ between processes.
    /// </summary>
    public string ConnectionName { get; set; } = $"billing:{Environment.MachineName}:{Environment.ProcessId}";

    public string ManagementUrl { get; set; } = "http://127.0.0.1:15672";

    /// <summary>
    /// How long start-up waits for the bus; past it the process fails to start instead of waiting on. Unset (the
    /// default) waits as long as it takes, for a broker that comes up after the service; the tests set it.
    /// </summary>
    public TimeSpan? StartTimeout { get; set; }
}

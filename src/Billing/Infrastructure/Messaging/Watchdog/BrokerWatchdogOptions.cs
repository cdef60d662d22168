namespace Billing.Infrastructure.Messaging.Watchdog;

/// <summary>Section <c>RabbitMq:Watchdog</c>: when a worker connected to RabbitMQ counts as stuck (<see cref="BrokerWatchdog"/>).</summary>
public sealed class BrokerWatchdogOptions
{
    public const string Section = "RabbitMq:Watchdog";

    public bool Enabled { get; set; } = true;

    /// <summary>How often it looks.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a sign must last, with the broker answering, before the worker exits for its supervisor.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The same before the bus was ever ready: a start-up on a loaded host may take longer than a reconnect, and a worker
    /// exiting while it starts only starts again.
    /// </summary>
    public TimeSpan StartUpStuckAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Stored-message sends (outbox, scheduler) timing out one after another that count as a sign.</summary>
    public int SendTimeoutsInARow { get; set; } = 5;

    /// <summary>After asking the host to stop, how long the process may take before it exits regardless.</summary>
    public TimeSpan HardExitAfter { get; set; } = TimeSpan.FromSeconds(45);
}

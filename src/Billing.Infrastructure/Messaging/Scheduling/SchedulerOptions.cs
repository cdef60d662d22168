namespace Billing.Infrastructure.Messaging.Scheduling;

public sealed class SchedulerOptions
{
    /// <summary>The queue that receives MassTransit's ScheduleMessage and CancelScheduledMessage commands.</summary>
    public string QueueName { get; set; } = "scheduler";

    /// <summary>How often each instance looks for due messages; the worst-case lateness of a scheduled message.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Due messages sent per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>
    /// The longest one send may take; a send still waiting for the broker then counts as failed, so a hung broker call
    /// cannot hold the claimed rows' transaction (and their locks) open.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed sends after which a row is set aside (messaging.scheduled_message_set_aside) instead of tried again.</summary>
    public int MaxSendAttempts { get; set; } = 10;

    /// <summary>
    /// Send schedule commands to the scheduler queue's exchange (bound by the workers' receive endpoint) rather than
    /// to the queue: a queue: address has every sender declare the queue with default arguments, which a quorum queue
    /// refuses. Set with RabbitMq:QueueType = quorum. Classic keeps the queue: address, which also creates the queue
    /// for an API that runs before any worker ever has.
    /// </summary>
    public bool SendToExchange { get; set; }

    public Uri SchedulerAddress => new($"{(SendToExchange ? "exchange" : "queue")}:{QueueName}");
}

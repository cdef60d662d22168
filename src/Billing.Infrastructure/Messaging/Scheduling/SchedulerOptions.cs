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

    public Uri SchedulerAddress => new($"queue:{QueueName}");
}

namespace Billing.Infrastructure.Messaging.Scheduling;

public sealed class SchedulerOptions
{
    /// <summary>The queue that receives MassTransit's ScheduleMessage and CancelScheduledMessage commands.</summary>
    public string QueueName { get; set; } = "scheduler";

    /// <summary>How often each instance looks for due messages; the worst-case lateness of a scheduled message.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Due messages sent per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    public Uri SchedulerAddress => new($"queue:{QueueName}");
}

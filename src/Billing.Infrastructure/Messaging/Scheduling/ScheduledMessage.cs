namespace Billing.Infrastructure.Messaging.Scheduling;

/// <summary>A message to send at <see cref="DueAt"/>; one row per schedule token, so re-scheduling replaces.</summary>
public class ScheduledMessage : StoredMessage
{
    public Guid TokenId { get; set; }
    public DateTime DueAt { get; set; }

    /// <summary>Sends that failed so far; each failure moves <see cref="DueAt"/> further out.</summary>
    public int SendAttempts { get; set; }

    public string? LastError { get; set; }
}

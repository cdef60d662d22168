namespace Billing.Contracts.Diagnostics;

/// <summary>A message that only records its arrival; scheduled ahead, it shows the scheduler at work.</summary>
public record Ping
{
    public Guid PingId { get; init; }
    public DateTimeOffset ScheduledFor { get; init; }
}

namespace Billing.Contracts.Diagnostics;

public record TallyCompleted
{
    public Guid TallyId { get; init; }
    public int Count { get; init; }
}

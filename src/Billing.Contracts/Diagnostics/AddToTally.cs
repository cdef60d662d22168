namespace Billing.Contracts.Diagnostics;

/// <summary>One addition to a tally. Each carries its own <see cref="Sequence"/>; each must count exactly once.</summary>
public record AddToTally
{
    public Guid TallyId { get; init; }
    public int Sequence { get; init; }
}

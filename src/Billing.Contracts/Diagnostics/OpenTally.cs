namespace Billing.Contracts.Diagnostics;

/// <summary>Opens a tally that is complete once <see cref="ExpectedCount"/> additions have been applied.</summary>
public record OpenTally
{
    public Guid TallyId { get; init; }
    public int ExpectedCount { get; init; }
}

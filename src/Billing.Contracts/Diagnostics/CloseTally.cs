namespace Billing.Contracts.Diagnostics;

/// <summary>Closes a completed tally, removing its saga. Closing a tally that does not exist is ignored.</summary>
public record CloseTally
{
    public Guid TallyId { get; init; }
}

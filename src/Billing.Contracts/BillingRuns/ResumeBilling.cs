namespace Billing.Contracts.BillingRuns;

/// <summary>Takes a halted account's billing up again at the step it halted at (support fixed the cause).</summary>
public record ResumeBilling(Guid BillingId, string RequestedBy);

namespace Billing.Contracts.BillingRuns;

/// <summary>An account's billing stopped at a step: retries are spent or the failure is one retrying cannot fix.</summary>
public record BillingHalted(Guid BillingId, Guid RunId, string AccountId, DateOnly StatementDate, string Step, string Reason, string? Detail);

namespace Billing.Contracts.BillingRuns;

/// <summary>One account to bill in a run (the fan-out publishes one per due account: the seed's users topic).</summary>
public record BillAccount(Guid RunId, DateOnly StatementDate, string AccountId);

namespace Billing.Contracts.BillingRuns;

/// <summary>One account to bill in a run (the fan-out publishes one per due account: the seed's users topic).</summary>
public record BillAccount(Guid RunId, DateOnly StatementDate, string AccountId);

/// <summary>Takes an account's billing up again at its step: a scheduled retry, or the wait for the ledger cut-off ended. A token
/// other than the one the saga last scheduled is a stale copy and changes nothing.</summary>
public record ContinueBilling(Guid BillingId, Guid Token);

/// <summary>Takes a halted account's billing up again at the step it halted at (support fixed the cause).</summary>
public record ResumeBilling(Guid BillingId, string RequestedBy);

namespace Billing.Contracts.BillingRuns;

/// <summary>Takes an account's billing up again at its step: a scheduled retry, or the wait for the ledger cut-off ended. A token
/// other than the one the saga last scheduled is a stale copy and changes nothing.</summary>
public record ContinueBilling(Guid BillingId, Guid Token);

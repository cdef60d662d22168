namespace Billing.Contracts.BillingRuns;

/// <summary>An account's statement is computed, validated and stored; its delivery starts from here.</summary>
public record StatementReady(Guid StatementId, Guid RunId, string AccountId, DateOnly StatementDate, decimal ClosingBalance,
    decimal MinimumDue, DateOnly DueDate, string Currency);

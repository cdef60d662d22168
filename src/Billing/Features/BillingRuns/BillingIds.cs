using Billing.Features.Scheduling;

namespace Billing.Features.BillingRuns;

/// <summary>Ids derived from what they identify, so starting the same date or billing the same account again lands on the same rows.</summary>
public static class BillingIds
{
    static readonly Guid Namespace = new("0b8a4f3e-8f0e-4b61-9d7c-3a1f5e2d9c47");

    public static Guid Run(DateOnly statementDate) => NameBasedGuid.Create(Namespace, $"run:{statementDate:yyyy-MM-dd}");

    /// <summary>The billing saga of one account for one statement date.</summary>
    public static Guid Billing(DateOnly statementDate, string accountId) =>
        NameBasedGuid.Create(Namespace, $"billing:{statementDate:yyyy-MM-dd}:{accountId}");

    public static Guid Statement(string accountId, DateOnly statementDate) =>
        NameBasedGuid.Create(Namespace, $"statement:{accountId}:{statementDate:yyyy-MM-dd}");
}

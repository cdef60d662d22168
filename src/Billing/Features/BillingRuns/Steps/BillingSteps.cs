namespace Billing.Features.BillingRuns.Steps;

/// <summary>The seed's steps, in the order an account walks them.</summary>
public static class BillingSteps
{
    /// <summary>Fixes the ledger cut-off, so repayments arriving during the run go to the next statement instead of waiting.</summary>
    public const string BlockDuplicates = "block-duplicates";

    /// <summary>Reads the period's passbook entries and the balance they start from.</summary>
    public const string Passbook = "passbook";

    /// <summary>Collects the account holder's contact details and channel preferences.</summary>
    public const string UserData = "user-data";

    /// <summary>Computes the statement from the loan's terms.</summary>
    public const string Loan = "loan";

    /// <summary>Checks the statement against the passbook and that the holder can be reached.</summary>
    public const string Validation = "validation";

    static readonly string[] Order = [BlockDuplicates, Passbook, UserData, Loan, Validation];

    public static IReadOnlyList<string> InOrder => Order;

    /// <summary>The step's place in <see cref="InOrder"/>; -1 for no step.</summary>
    public static int IndexOf(string step) => Array.IndexOf(Order, step);

    public static bool IsKnown(string? step) => step is not null && InOrder.Contains(step);
}

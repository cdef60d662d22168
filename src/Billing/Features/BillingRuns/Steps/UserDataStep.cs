namespace Billing.Features.BillingRuns.Steps;

/// <summary>Collects the holder's contact details and channel preferences (read with the loan, in the same round trip).</summary>
public sealed class UserDataStep : IBillingStep
{
    public string Name => BillingSteps.UserData;

    public async Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken)
    {
        await work.LoadAccount(cancellationToken);
        if (work.Account is null)
            throw StepFailure.Permanent("account_missing", $"Account {work.Saga.AccountId} does not exist.");
        return null;
    }
}

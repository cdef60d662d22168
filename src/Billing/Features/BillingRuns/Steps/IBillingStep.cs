namespace Billing.Features.BillingRuns.Steps;

public interface IBillingStep
{
    string Name { get; }

    /// <summary>Does the step's work on <paramref name="work"/>; a time when it cannot go on before then; throws <see cref="StepFailure"/>.</summary>
    Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken);
}

using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Providers;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// Runs one attempt against the payment method's provider and says what came of it. When an earlier call may
/// have paid (any attempt but a first delivery of the first), it asks the provider before paying, so a call that
/// timed out after paying is found rather than paid again. It never throws for a provider's trouble: an
/// unexpected error is reported as the provider being unavailable, and the lane decides what follows.
/// </summary>
public sealed class RefundAttemptRunner(IRefundProviders providers, TimeProvider clock, ILogger<RefundAttemptRunner> logger)
{
    public async Task<RefundAttempted> Run(AttemptRefund attempt, int attemptNumber, bool lookUpFirst, CancellationToken cancellationToken)
    {
        var provider = providers.For(attempt.Method);
        var order = new RefundOrder(attempt.RefundId, attempt.PaymentId, attempt.Amount, attempt.Currency, attempt.Reason, attempt.KeyGeneration);

        ProviderResult result;
        try
        {
            result = lookUpFirst ? await LookUpThenPay(provider, order, cancellationToken) : await provider.RefundAsync(order, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Refund {RefundId} attempt {Attempt} failed in the {Method} adapter", attempt.RefundId, attemptNumber, attempt.Method);
            result = new ProviderResult(ProviderOutcome.Unavailable, Code: "adapter_error", Message: exception.Message);
        }

        return new RefundAttempted
        {
            RefundId = attempt.RefundId,
            AttemptNumber = attemptNumber,
            Lane = attempt.Lane,
            Outcome = result.Outcome switch
            {
                ProviderOutcome.Paid => AttemptOutcomes.Paid,
                ProviderOutcome.Declined => AttemptOutcomes.Declined,
                ProviderOutcome.Unknown => AttemptOutcomes.Unknown,
                _ => AttemptOutcomes.Unavailable,
            },
            ProviderRefundId = result.ProviderRefundId,
            ErrorCode = result.Outcome == ProviderOutcome.Paid ? null : result.Code ?? result.Outcome.ToString().ToLowerInvariant(),
            ErrorMessage = result.Outcome == ProviderOutcome.Paid ? null : result.Message,
            LookedUp = lookUpFirst,
            AttemptedAt = clock.GetUtcNow(),
            RequestedBy = attempt.RequestedBy,
        };
    }

    static async Task<ProviderResult> LookUpThenPay(IRefundProvider provider, RefundOrder order, CancellationToken cancellationToken)
    {
        var found = await provider.LookupAsync(order, cancellationToken);
        // Only a provider that says it has nothing under this key may be asked to pay; "cannot tell" waits.
        return found.Outcome == ProviderOutcome.NotFound ? await provider.RefundAsync(order, cancellationToken) : found;
    }
}

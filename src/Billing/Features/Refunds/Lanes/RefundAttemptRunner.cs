using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Providers;

namespace Billing.Features.Refunds.Lanes;

public enum AttemptMode
{
    /// <summary>Pay without asking: only a refund's first attempt, started for the first time (nothing can have paid).</summary>
    Pay,

    /// <summary>Ask about every key the refund has used; pay under the current one only when none paid.</summary>
    LookUpThenPay,

    /// <summary>Ask about every key, never pay: resolving an outcome that may have paid.</summary>
    LookUpOnly,
}

/// <summary>
/// Runs one attempt against the payment method's provider and says what came of it. Before paying under key n it asks
/// the provider about every key 0..n (a decline or a 5xx moved the key on, and an older attempt may have paid under an
/// old one), so a call that timed out after paying is found rather than paid again. It never throws for a provider's
/// trouble: an unexpected error is reported as the provider being unavailable, and the saga decides what follows.
/// </summary>
public sealed class RefundAttemptRunner(IRefundProviders providers, TimeProvider clock, ILogger<RefundAttemptRunner> logger)
{
    public async Task<RefundAttempted> Run(AttemptRefund attempt, int keyGeneration, AttemptMode mode, CancellationToken cancellationToken)
    {
        var provider = providers.For(attempt.Method);
        var order = new RefundOrder(attempt.RefundId, attempt.PaymentId, attempt.Amount, attempt.Currency, attempt.Reason, keyGeneration);

        Outcome outcome;
        try
        {
            outcome = mode switch
            {
                AttemptMode.Pay => Paying(await provider.RefundAsync(order, cancellationToken)),
                AttemptMode.LookUpOnly => Looked(await LookUpEveryKey(provider, order, cancellationToken)),
                _ => await LookUpThenPay(provider, order, cancellationToken),
            };
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Refund {RefundId} attempt {Attempt} failed in the {Method} adapter", attempt.RefundId, attempt.AttemptNumber, attempt.Method);
            // Thrown before or while calling: whether a payment went out is not known, so nothing is concluded.
            outcome = new(new ProviderResult(ProviderOutcome.Unavailable, Code: "adapter_error", Message: exception.Message), MayHavePaid: null);
        }

        var result = outcome.Result;
        return new RefundAttempted
        {
            RefundId = attempt.RefundId,
            AttemptNumber = attempt.AttemptNumber,
            Lane = attempt.Lane,
            Outcome = result.Outcome switch
            {
                ProviderOutcome.Paid => AttemptOutcomes.Paid,
                ProviderOutcome.Declined => AttemptOutcomes.Declined,
                ProviderOutcome.Unknown => AttemptOutcomes.Unknown,
                ProviderOutcome.NotFound => AttemptOutcomes.NotFound,
                _ => AttemptOutcomes.Unavailable,
            },
            ProviderRefundId = result.ProviderRefundId,
            OtherProviderRefundId = result.OtherProviderRefundId,
            ErrorCode = result.Outcome == ProviderOutcome.Paid ? null : result.Code ?? result.Outcome.ToString().ToLowerInvariant(),
            ErrorMessage = result.Outcome == ProviderOutcome.Paid ? null : result.Message,
            LookedUp = mode != AttemptMode.Pay,
            ProviderMayHavePaid = outcome.MayHavePaid,
            KeySpent = outcome.KeySpent,
            AttemptedAt = clock.GetUtcNow(),
            RequestedBy = attempt.RequestedBy,
        };
    }

    async Task<Outcome> LookUpThenPay(IRefundProvider provider, RefundOrder order, CancellationToken cancellationToken)
    {
        var found = await LookUpEveryKey(provider, order, cancellationToken);
        // Only a provider that says it has nothing under any key may be asked to pay; "cannot tell" waits.
        return found.Outcome == ProviderOutcome.NotFound ? Paying(await provider.RefundAsync(order, cancellationToken)) : Looked(found);
    }

    /// <summary>What a paying call tells: whether the provider may have paid without saying so, and whether the key is spent.</summary>
    static Outcome Paying(ProviderResult result) => new(result,
        MayHavePaid: result.Outcome == ProviderOutcome.Unknown,
        KeySpent: result.KeySpent || result.Outcome == ProviderOutcome.Declined);

    /// <summary>What a lookup tells: settled when it found the payment or nothing under any key; nothing learnt otherwise.</summary>
    static Outcome Looked(ProviderResult result) => new(result,
        MayHavePaid: result.Outcome is ProviderOutcome.Paid or ProviderOutcome.NotFound ? false : null);

    /// <summary>
    /// Paid when any key paid (with a second provider refund, if two did: the paid-twice alarm), NotFound when every key
    /// answered with nothing paid (a refund the provider failed counts as nothing), otherwise the first "cannot tell".
    /// </summary>
    async Task<ProviderResult> LookUpEveryKey(IRefundProvider provider, RefundOrder order, CancellationToken cancellationToken)
    {
        var generations = provider.OneLookupFindsEveryKey ? [order.KeyGeneration] : Enumerable.Range(0, order.KeyGeneration + 1);
        var paid = new List<string>();
        ProviderResult? cannotTell = null;
        foreach (var generation in generations)
        {
            var found = await provider.LookupAsync(order with { KeyGeneration = generation }, cancellationToken);
            switch (found.Outcome)
            {
                case ProviderOutcome.Paid:
                    paid.AddRange(new[] { found.ProviderRefundId, found.OtherProviderRefundId }.OfType<string>());
                    break;
                case ProviderOutcome.NotFound or ProviderOutcome.Declined:
                    break;
                default:
                    cannotTell ??= found;
                    break;
            }
        }

        var distinct = paid.Distinct().ToList();
        if (distinct.Count > 0)
        {
            if (distinct.Count > 1)
                logger.LogError("Refund {RefundId} is paid twice at the {Method} provider: {ProviderRefunds}", order.RefundId, provider.Method, distinct);
            return new ProviderResult(ProviderOutcome.Paid, distinct[0], OtherProviderRefundId: distinct.ElementAtOrDefault(1));
        }
        return cannotTell ?? new ProviderResult(ProviderOutcome.NotFound, Code: "not_found", Message: "The provider has no payment under any of the refund's keys.");
    }

    readonly record struct Outcome(ProviderResult Result, bool? MayHavePaid, bool KeySpent = false);
}

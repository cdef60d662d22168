using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Cards;

/// <summary>
/// The card provider's refunds: made at most once per idempotency key while Stripe would remember the key
/// (<see cref="StandInOptions.IdempotencyWindow"/>), paid into the ledger. Refunds outlive their keys, as at Stripe.
/// </summary>
public sealed class CardRefundBook(Faults faults, Ledger ledger, TimeProvider clock, IOptions<StandInOptions> options)
{
    readonly IdempotencyStore<CardAnswer> _answers = new(clock, options.Value.IdempotencyWindow);
    readonly List<StripeRefund> _refunds = [];
    readonly Lock _gate = new();

    /// <param name="sentBy">The request's line in the ledger's log, marked paid along with the payment.</param>
    public IdempotentResult<CardAnswer> Create(string? idempotencyKey, CardRefundRequest request, LoggedRequest? sentBy) =>
        _answers.Run(idempotencyKey, request.Fingerprint, () => Execute(idempotencyKey, request, sentBy));

    /// <summary>What a retry with this key would be answered, without running anything; null once the key is forgotten.</summary>
    public CardAnswer? FindByIdempotencyKey(string key) => _answers.Find(key);

    public StripeRefund? Find(string id)
    {
        lock (_gate)
            return _refunds.Find(r => r.Id == id);
    }

    /// <summary>Newest first, like Stripe's list.</summary>
    public IReadOnlyList<StripeRefund> List(string? paymentIntent, string? charge)
    {
        lock (_gate)
            return _refunds
                .Where(r => (paymentIntent is null || r.PaymentIntent == paymentIntent) && (charge is null || r.Charge == charge))
                .Reverse()
                .ToList();
    }

    Execution<CardAnswer> Execute(string? idempotencyKey, CardRefundRequest request, LoggedRequest? sentBy)
    {
        var roll = faults.Roll(PaymentMethod.Card);
        switch (roll.Outcome)
        {
            case Outcome.FailRetryable:
                return new(StripeErrors.Retryable(roll.Variant), Keep: false);
            case Outcome.Decline:
                // Stripe keeps a declined request's answer under its key too: a retry is declined again.
                return new(StripeErrors.Decline(roll.Variant), Keep: true);
        }

        var now = clock.GetUtcNow();
        var refund = new StripeRefund
        {
            Id = $"re_{Guid.NewGuid():N}"[..27],
            Amount = request.Amount,
            Currency = request.Currency,
            Charge = request.Charge,
            PaymentIntent = request.PaymentIntent,
            Reason = request.Reason,
            Status = "succeeded",
            Metadata = request.Metadata,
            Created = now.ToUnixTimeSeconds(),
        };
        lock (_gate)
            _refunds.Add(refund);
        ledger.Record(new LedgerEntry(PaymentMethod.Card, idempotencyKey, request.Metadata.GetValueOrDefault("refund_id"),
            refund.Id, refund.Amount, refund.Currency.ToUpperInvariant(), now), sentBy);

        return new(new CardAnswer(StatusCodes.Status200OK, refund), Keep: true, HoldAfterPay: roll.Outcome == Outcome.PayThenTimeOut);
    }
}

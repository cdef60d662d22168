using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Cards;

/// <summary>
/// The card provider's refunds: made at most once per idempotency key while Stripe would remember the key
/// (<see cref="StandInOptions.IdempotencyWindow"/>), paid into the ledger. Refunds outlive their keys, as at Stripe.
/// </summary>
public sealed class CardRefundBook(Faults faults, Ledger ledger, CardWebhooks webhooks, TimeProvider clock, IOptions<StandInOptions> options)
{
    readonly IdempotencyStore<CardAnswer> _answers = new(clock, options.Value.IdempotencyWindow);
    readonly List<StripeRefund> _refunds = [];
    readonly Dictionary<string, string> _intentCurrencies = new(StringComparer.Ordinal);
    readonly Dictionary<string, DateTimeOffset> _pendingUntil = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    /// <summary>Tells the provider a payment intent's currency, as Stripe knows it from the payment.</summary>
    public void KnowPaymentIntent(string paymentIntent, string currency)
    {
        lock (_gate)
            _intentCurrencies[paymentIntent] = currency.ToLowerInvariant();
    }

    /// <param name="sentBy">The request's line in the ledger's log, marked paid along with the payment.</param>
    public IdempotentResult<CardAnswer> Create(string? idempotencyKey, CardRefundRequest request, LoggedRequest? sentBy) =>
        _answers.Run(idempotencyKey, request.Fingerprint, () => Execute(idempotencyKey, request, sentBy));

    /// <summary>What a retry with this key would be answered, without running anything; null once the key is forgotten.</summary>
    public CardAnswer? FindByIdempotencyKey(string key) => _answers.Find(key);

    public StripeRefund? Find(string id)
    {
        lock (_gate)
            return Settled(_refunds.Find(r => r.Id == id));
    }

    /// <summary>
    /// Newest first, like Stripe's list; only those older than <paramref name="startingAfter"/> when given (Stripe's cursor),
    /// null when the provider has no refund of that id.
    /// </summary>
    public IReadOnlyList<StripeRefund>? List(string? paymentIntent, string? charge, string? startingAfter = null)
    {
        lock (_gate)
        {
            var end = startingAfter is null ? _refunds.Count : _refunds.FindIndex(r => r.Id == startingAfter);
            if (end < 0)
                return null;
            return _refunds.Take(end)
                .Where(r => (paymentIntent is null || r.PaymentIntent == paymentIntent) && (charge is null || r.Charge == charge))
                .Reverse()
                .Select(r => Settled(r)!)
                .ToList();
        }
    }

    Execution<CardAnswer> Execute(string? idempotencyKey, CardRefundRequest request, LoggedRequest? sentBy)
    {
        // Stripe takes the currency from the payment intent; naming another one is an error.
        string currency;
        lock (_gate)
        {
            var known = request.PaymentIntent is { } intent ? _intentCurrencies.GetValueOrDefault(intent) : null;
            if (known is not null && request.Currency is not null && known != request.Currency)
                return new(StripeErrors.CurrencyMismatch(request.PaymentIntent!, known), Keep: true);
            currency = request.Currency ?? known ?? options.Value.DefaultCurrency;
            if (request.PaymentIntent is { } seen)
                _intentCurrencies.TryAdd(seen, currency);
        }

        var roll = faults.Roll(PaymentMethod.Card);
        switch (roll.Outcome)
        {
            // Stripe saves a 500 under its key and replays it for 24 h (the request began executing); a 429 is refused
            // before anything runs, so it is not saved.
            case Outcome.FailRetryable:
                return new(StripeErrors.Retryable(roll.Variant), Keep: roll.Variant == 0);
            case Outcome.Decline:
                // Stripe keeps a declined request's answer under its key too: a retry is declined again.
                return new(StripeErrors.Decline(roll.Variant), Keep: true);
        }

        var now = clock.GetUtcNow();
        var refund = new StripeRefund
        {
            Id = $"re_{Guid.NewGuid():N}"[..27],
            Amount = request.Amount,
            Currency = currency,
            Charge = request.Charge,
            PaymentIntent = request.PaymentIntent,
            Reason = request.Reason,
            Status = roll.Outcome == Outcome.PayPending ? "pending" : "succeeded",
            Metadata = request.Metadata,
            Created = now.ToUnixTimeSeconds(),
        };
        lock (_gate)
        {
            _refunds.Add(refund);
            if (roll.Outcome == Outcome.PayPending)
                _pendingUntil[refund.Id] = now + options.Value.PendingFor;
        }
        ledger.Record(new LedgerEntry(PaymentMethod.Card, idempotencyKey, request.Metadata.GetValueOrDefault("refund_id"),
            refund.Id, refund.Amount, refund.Currency.ToUpperInvariant(), now), sentBy);

        if (roll.Outcome == Outcome.PayThenFailLater)
            _ = FailLaterAsync(refund);

        // The answer is a copy: it says pending for good, as Stripe's saved answer does, while the refund itself settles.
        return new(new CardAnswer(StatusCodes.Status200OK, refund with { }), Keep: true, HoldAfterPay: roll.Outcome == Outcome.PayThenTimeOut);
    }

    /// <summary>Stripe's late failure: the refund turns failed, the money comes back, and a refund.failed webhook goes out.</summary>
    async Task FailLaterAsync(StripeRefund refund)
    {
        await Task.Delay(options.Value.LateFailAfter, clock);
        StripeRefund failed;
        lock (_gate)
        {
            refund.Status = "failed";
            refund.FailureReason = "expired_or_canceled_card";
            failed = refund with { };
        }
        ledger.Reverse(refund.Id);
        await webhooks.SendAsync("refund.failed", failed);
    }

    /// <summary>A pending refund read after its time has come has succeeded (called under the lock).</summary>
    StripeRefund? Settled(StripeRefund? refund)
    {
        if (refund is not null && _pendingUntil.TryGetValue(refund.Id, out var until) && clock.GetUtcNow() >= until)
        {
            refund.Status = "succeeded";
            _pendingUntil.Remove(refund.Id);
        }
        return refund;
    }
}

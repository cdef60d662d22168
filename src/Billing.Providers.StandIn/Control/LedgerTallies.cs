namespace Billing.Providers.StandIn.Control;

/// <summary>Builds the ledger view: payments tallied by idempotency key and by the caller's reference.</summary>
static class LedgerTallies
{
    public static LedgerView View(LedgerEntry[] payments, ProviderRequest[] requests, MessageEntry[] messages)
    {
        // Lookups rather than nested counts: a demo run leaves thousands of payments and requests.
        var paidByKey = payments.Where(p => p.IdempotencyKey is not null).ToLookup(p => (p.Method, Key: p.IdempotencyKey!));
        var paidByReference = payments.Where(p => p.Reference is not null).ToLookup(p => (p.Method, Reference: p.Reference!));
        var refunds = requests.Where(r => r.Operation == ProviderOperation.Refund).ToList();
        var refundsByKey = refunds.Where(r => r.IdempotencyKey is not null).ToLookup(r => (r.Method, Key: r.IdempotencyKey!));
        var refundsByReference = refunds.Where(r => r.Reference is not null).ToLookup(r => (r.Method, Reference: r.Reference!));
        var lookupsByReference = requests.Where(r => r.Operation == ProviderOperation.Lookup && r.Reference is not null)
            .ToLookup(r => (r.Method, Reference: r.Reference!));

        var keys = paidByKey
            .Select(g => new KeyTally(g.Key.Method, g.Key.Key, g.Count(), refundsByKey[g.Key].Count()))
            .ToList();
        var references = requests.Where(r => r.Reference is not null).Select(r => (r.Method, Reference: r.Reference!))
            .Concat(payments.Where(p => p.Reference is not null).Select(p => (p.Method, Reference: p.Reference!)))
            .Distinct()
            .Select(m => new ReferenceTally(m.Method, m.Reference,
                paidByReference[m].Count(), refundsByReference[m].Count(), lookupsByReference[m].Count()))
            .ToList();

        // A token delivers more than once only when the stand-in forgot it (StandIn:IdempotencyWindow) and it came again.
        var deliveriesByKey = messages.Where(m => m.IdempotencyKey is not null).ToLookup(m => (m.Channel, Key: m.IdempotencyKey!));
        MessageEntry Tallied(MessageEntry m) => m with { TimesDelivered = m.IdempotencyKey is { } key ? deliveriesByKey[(m.Channel, key)].Count() : 1 };
        var byChannel = new MessagesView(
            [.. messages.Where(m => m.Channel == PaymentMethod.Sms).Select(Tallied)],
            [.. messages.Where(m => m.Channel == PaymentMethod.WhatsApp).Select(Tallied)]);

        return new LedgerView(payments, keys, references, requests, byChannel);
    }
}

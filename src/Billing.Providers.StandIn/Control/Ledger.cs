namespace Billing.Providers.StandIn.Control;

/// <summary>
/// Every refund the stand-in actually paid, appended once per payment whatever the idempotency bookkeeping says,
/// so "paid at most once" can be checked against money moved rather than against the code under test.
/// </summary>
public sealed class Ledger(RequestLog requests, ILogger<Ledger> logger)
{
    readonly List<LedgerEntry> _payments = [];
    readonly Lock _gate = new();

    public void Record(LedgerEntry payment)
    {
        lock (_gate)
            _payments.Add(payment);
        logger.LogInformation("Paid {Method} refund {RefundId} of {AmountMinor} {Currency} for key {IdempotencyKey}",
            payment.Method, payment.RefundId, payment.AmountMinor, payment.Currency, payment.IdempotencyKey);
    }

    public LedgerView Snapshot()
    {
        LedgerEntry[] payments;
        lock (_gate)
            payments = [.. _payments];
        var log = requests.Snapshot();

        // Lookups rather than nested counts: a demo run leaves thousands of payments and requests.
        var paidByKey = payments.Where(p => p.IdempotencyKey is not null).ToLookup(p => (p.Method, Key: p.IdempotencyKey!));
        var paidByReference = payments.Where(p => p.Reference is not null).ToLookup(p => (p.Method, Reference: p.Reference!));
        var refunds = log.Where(r => r.Operation == ProviderOperation.Refund).ToList();
        var refundsByKey = refunds.Where(r => r.IdempotencyKey is not null).ToLookup(r => (r.Method, Key: r.IdempotencyKey!));
        var refundsByReference = refunds.Where(r => r.Reference is not null).ToLookup(r => (r.Method, Reference: r.Reference!));
        var lookupsByReference = log.Where(r => r.Operation == ProviderOperation.Lookup && r.Reference is not null)
            .ToLookup(r => (r.Method, Reference: r.Reference!));

        var keys = paidByKey
            .Select(g => new KeyTally(g.Key.Method, g.Key.Key, g.Count(), refundsByKey[g.Key].Count()))
            .ToList();
        var references = log.Where(r => r.Reference is not null).Select(r => (r.Method, Reference: r.Reference!))
            .Concat(payments.Where(p => p.Reference is not null).Select(p => (p.Method, Reference: p.Reference!)))
            .Distinct()
            .Select(m => new ReferenceTally(m.Method, m.Reference,
                paidByReference[m].Count(), refundsByReference[m].Count(), lookupsByReference[m].Count()))
            .ToList();

        return new LedgerView(payments, keys, references, log);
    }

    /// <summary>Forgets payments and requests; the providers' idempotency keys stay, so a retry still replays.</summary>
    public void Clear()
    {
        lock (_gate)
            _payments.Clear();
        requests.Clear();
    }
}

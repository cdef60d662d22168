namespace Billing.Providers.StandIn.Control;

/// <summary>
/// Every refund the stand-in actually paid, appended once per payment whatever the idempotency bookkeeping says,
/// so "paid at most once" can be checked against money moved rather than against the code under test.
/// </summary>
public sealed class Ledger(ILogger<Ledger> logger)
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

        var keys = payments
            .Where(p => p.IdempotencyKey is not null)
            .GroupBy(p => (p.Method, Key: p.IdempotencyKey!))
            .Select(g => new KeyTally(g.Key.Method, g.Key.Key, g.Count()))
            .ToList();
        return new LedgerView(payments, keys);
    }

    public void Clear()
    {
        lock (_gate)
            _payments.Clear();
    }
}

/// <param name="AmountMinor">Minor units (cents, öre) for every method, so entries compare across providers.</param>
/// <param name="Currency">Upper-case ISO 4217, whatever case the provider's API uses.</param>
/// <param name="Reference">The caller's own reference: Stripe's <c>metadata[refund_id]</c>, Swish's <c>payerPaymentReference</c>.</param>
public sealed record LedgerEntry(
    PaymentMethod Method,
    string? IdempotencyKey,
    string? Reference,
    string RefundId,
    long AmountMinor,
    string Currency,
    DateTimeOffset PaidAt);

public sealed record KeyTally(PaymentMethod Method, string IdempotencyKey, int TimesPaid);

public sealed record LedgerView(IReadOnlyList<LedgerEntry> Payments, IReadOnlyList<KeyTally> Keys);

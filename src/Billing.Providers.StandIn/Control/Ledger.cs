namespace Billing.Providers.StandIn.Control;

/// <summary>
/// Every refund the stand-in actually paid, appended once per payment whatever the idempotency bookkeeping says,
/// so "paid at most once" can be checked against money moved rather than against the code under test. Next to it,
/// every request that reached a provider endpoint, in the order it arrived, paid or not: what the service asked,
/// so a test can check "a lookup before any retry" or "no paying request after the timeout".
/// </summary>
/// <remarks>
/// One lock for both, so a snapshot never shows a payment whose request is not yet marked paid.
/// </remarks>
public sealed class Ledger(ILogger<Ledger> logger)
{
    readonly List<LedgerEntry> _payments = [];
    readonly List<LoggedRequest> _requests = [];
    readonly List<MessageEntry> _messages = [];
    readonly Lock _gate = new();

    /// <summary>Logs a request as it arrives, so the log keeps arrival order however long the answer takes.</summary>
    public LoggedRequest Received(ProviderRequest request)
    {
        var logged = new LoggedRequest(request, _gate);
        lock (_gate)
            _requests.Add(logged);
        return logged;
    }

    /// <param name="paidBy">The logged request that paid, marked paid together with the payment.</param>
    public void Record(LedgerEntry payment, LoggedRequest? paidBy)
    {
        lock (_gate)
        {
            _payments.Add(payment);
            paidBy?.Update(r => r with { Paid = true });
        }
        logger.LogInformation("Paid {Method} refund {RefundId} of {AmountMinor} {Currency} for key {IdempotencyKey}",
            payment.Method, payment.RefundId, payment.AmountMinor, payment.Currency, payment.IdempotencyKey);
    }

    /// <summary>A message a messaging provider accepted for delivery, appended once per delivery whatever its idempotency token says.</summary>
    public void Delivered(MessageEntry message)
    {
        lock (_gate)
            _messages.Add(message);
        logger.LogInformation("Delivered {Channel} message {MessageId} to {To} for key {IdempotencyKey}",
            message.Channel, message.MessageId, message.To, message.IdempotencyKey);
    }

    /// <summary>A payment the provider took back (a refund that failed later): no longer money moved.</summary>
    public void Reverse(string refundId)
    {
        lock (_gate)
            _payments.RemoveAll(p => p.RefundId == refundId);
        logger.LogInformation("Reversed refund {RefundId}: it failed after succeeding", refundId);
    }

    public LedgerView Snapshot()
    {
        LedgerEntry[] payments;
        ProviderRequest[] requests;
        MessageEntry[] messages;
        lock (_gate)
        {
            payments = [.. _payments];
            requests = [.. _requests.Select(r => r.Current)];
            messages = [.. _messages];
        }
        return LedgerTallies.View(payments, requests, messages);
    }

    /// <summary>Forgets payments, requests and messages; the providers' idempotency keys stay, so a retry still replays.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _payments.Clear();
            _requests.Clear();
            _messages.Clear();
        }
    }
}

/// <summary>
/// One request's line in the log, completed as the handler understands the request (reference, replayed), as it
/// pays, and as the answer goes out (status). A line cleared from the log while its request is in flight is
/// completed unseen.
/// </summary>
public sealed class LoggedRequest(ProviderRequest request, Lock ledgerGate)
{
    ProviderRequest _current = request;

    public ProviderRequest Current
    {
        get
        {
            lock (ledgerGate)
                return _current;
        }
    }

    public void Update(Func<ProviderRequest, ProviderRequest> change)
    {
        lock (ledgerGate)
            _current = change(_current);
    }
}

namespace Billing.Providers.StandIn.Control;

/// <summary>
/// Every request that reached a provider endpoint, in the order it arrived, whether it paid or not. The ledger says
/// what money moved; this says what the service asked, so a test can check "a lookup before any retry" or "no paying
/// request after the timeout" rather than trust the stand-in's idempotency to hide a careless retry.
/// </summary>
public sealed class RequestLog
{
    readonly List<LoggedRequest> _requests = [];
    readonly Lock _gate = new();

    /// <summary>Appends the request as it arrives, so the log keeps arrival order however long the answer takes.</summary>
    public LoggedRequest Add(ProviderRequest request)
    {
        var logged = new LoggedRequest(request);
        lock (_gate)
            _requests.Add(logged);
        return logged;
    }

    public IReadOnlyList<ProviderRequest> Snapshot()
    {
        lock (_gate)
            return [.. _requests.Select(r => r.Current)];
    }

    public void Clear()
    {
        lock (_gate)
            _requests.Clear();
    }
}

/// <summary>
/// One request's line in the log, completed as the handler understands the request (reference, paid) and as the
/// answer goes out (status). A line cleared from the log while its request is in flight is completed unseen.
/// </summary>
public sealed class LoggedRequest(ProviderRequest request)
{
    readonly Lock _gate = new();
    ProviderRequest _current = request;

    public ProviderRequest Current
    {
        get
        {
            lock (_gate)
                return _current;
        }
    }

    public void Update(Func<ProviderRequest, ProviderRequest> change)
    {
        lock (_gate)
            _current = change(_current);
    }
}

namespace Billing.Providers.StandIn;

/// <summary>
/// Runs a provider request at most once per idempotency key and keeps its answer, so a retry with the same key and
/// the same request gets the same answer (and pays nothing), while the same key with another request is a conflict.
/// </summary>
/// <param name="window">
/// How long a key is kept after it was first stored; null keeps it for good. Once it has passed the key is forgotten
/// and the next request under it runs (and may pay) as if new, which is what a provider that expires keys does to a
/// caller that retries late without looking up first.
/// </param>
public sealed class IdempotencyStore<TAnswer>(TimeProvider clock, TimeSpan? window)
    where TAnswer : class
{
    readonly Dictionary<string, Stored> _answers = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    /// <summary>Forgets every key, as a provider account that was reset would.</summary>
    public void Clear()
    {
        lock (_gate)
            _answers.Clear();
    }

    public IdempotentResult<TAnswer> Run(string? key, string fingerprint, Func<Execution<TAnswer>> execute)
    {
        // Deciding and paying take microseconds, so one lock per provider is cheap, and it is what keeps two
        // concurrent retries of one key from both paying. Delays (latency, timeout-after-pay) happen outside it.
        lock (_gate)
        {
            if (key is not null && Live(key) is { } stored)
                return stored.Fingerprint == fingerprint
                    ? new(stored.Answer, Replayed: true)
                    : new(null, Conflict: true);

            var execution = execute();
            if (key is not null && execution.Keep)
                _answers[key] = new Stored(fingerprint, execution.Answer, clock.GetUtcNow());
            return new(execution.Answer, HoldAfterPay: execution.HoldAfterPay);
        }
    }

    public TAnswer? Find(string key)
    {
        lock (_gate)
            return Live(key)?.Answer;
    }

    /// <summary>The key's stored answer unless its window has passed; an expired key is dropped here.</summary>
    Stored? Live(string key)
    {
        if (!_answers.TryGetValue(key, out var stored))
            return null;
        if (window is not { } keep || clock.GetUtcNow() < stored.StoredAt + keep)
            return stored;
        _answers.Remove(key);
        return null;
    }

    sealed record Stored(string Fingerprint, TAnswer Answer, DateTimeOffset StoredAt);
}

/// <param name="Keep">False for answers a retry should not see again (a retryable failure never reached the money).</param>
public sealed record Execution<TAnswer>(TAnswer Answer, bool Keep, bool HoldAfterPay = false);

public sealed record IdempotentResult<TAnswer>(TAnswer? Answer, bool Replayed = false, bool Conflict = false, bool HoldAfterPay = false);

namespace Billing.Providers.StandIn;

/// <summary>
/// Runs a provider request at most once per idempotency key and keeps its answer, so a retry with the same key and
/// the same request gets the same answer (and pays nothing), while the same key with another request is a conflict.
/// </summary>
public sealed class IdempotencyStore<TAnswer>
    where TAnswer : class
{
    readonly Dictionary<string, (string Fingerprint, TAnswer Answer)> _answers = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    public IdempotentResult<TAnswer> Run(string? key, string fingerprint, Func<Execution<TAnswer>> execute)
    {
        // Deciding and paying take microseconds, so one lock per provider is cheap, and it is what keeps two
        // concurrent retries of one key from both paying. Delays (latency, timeout-after-pay) happen outside it.
        lock (_gate)
        {
            if (key is not null && _answers.TryGetValue(key, out var stored))
                return stored.Fingerprint == fingerprint
                    ? new(stored.Answer, Replayed: true)
                    : new(null, Conflict: true);

            var execution = execute();
            if (key is not null && execution.Keep)
                _answers[key] = (fingerprint, execution.Answer);
            return new(execution.Answer, HoldAfterPay: execution.HoldAfterPay);
        }
    }

    public TAnswer? Find(string key)
    {
        lock (_gate)
            return _answers.TryGetValue(key, out var stored) ? stored.Answer : null;
    }
}

/// <param name="Keep">False for answers a retry should not see again (a retryable failure never reached the money).</param>
public sealed record Execution<TAnswer>(TAnswer Answer, bool Keep, bool HoldAfterPay = false);

public sealed record IdempotentResult<TAnswer>(TAnswer? Answer, bool Replayed = false, bool Conflict = false, bool HoldAfterPay = false);

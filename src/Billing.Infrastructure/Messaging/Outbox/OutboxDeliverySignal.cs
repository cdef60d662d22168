namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Wakes this process's delivery service: a consumer committed messages, or another process said so (NOTIFY). Wakes
/// coalesce: any number of them while the service is busy make one more round.
/// </summary>
public sealed class OutboxDeliverySignal
{
    // Unbounded, so a wake never throws (a SemaphoreFullException per commit showed in the profile); the flag keeps the
    // count at about one, and a rare extra count only costs one empty round.
    readonly SemaphoreSlim _pending = new(0);
    int _woken;

    public void Wake()
    {
        if (Interlocked.Exchange(ref _woken, 1) == 0)
            _pending.Release();
    }

    /// <summary>Waits for a wake or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _pending.WaitAsync(timeout, cancellationToken);
        Volatile.Write(ref _woken, 0);
    }
}

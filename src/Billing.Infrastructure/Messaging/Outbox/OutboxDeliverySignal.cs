namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// Wakes this process's delivery service: a consumer committed messages, or another process said so (NOTIFY). Wakes
/// coalesce: any number of them while the service is busy make one more round.
/// </summary>
public sealed class OutboxDeliverySignal
{
    readonly SemaphoreSlim _pending = new(0, 1);

    public void Wake()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken; the round to come will see these rows too.
        }
    }

    /// <summary>Waits for a wake or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}

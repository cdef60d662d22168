namespace Billing.Infrastructure.Messaging;

/// <summary>
/// Stored-message sends (outbox, scheduler) that timed out one after the other, with none succeeding in between. A
/// broker connection that is open but answers nothing shows here (issue 18: every outbox send timed out in
/// ExchangeDeclare for minutes); a broker that is away fails fast instead, and a bad row fails for reasons of its own,
/// so only timeouts count. Read by the worker's broker watchdog.
/// </summary>
public sealed class SendTimeouts(TimeProvider clock)
{
    readonly Lock _gate = new();
    int _inARow;
    DateTimeOffset? _since;

    public void Succeeded()
    {
        lock (_gate)
            (_inARow, _since) = (0, null);
    }

    public void Failed(Exception exception)
    {
        if (!IsTimeout(exception))
            return;
        lock (_gate)
        {
            _inARow++;
            _since ??= clock.GetUtcNow();
        }
    }

    /// <summary>Timeouts in a row, and since when (null when the last send succeeded).</summary>
    public (int InARow, DateTimeOffset? Since) Current
    {
        get
        {
            lock (_gate)
                return (_inARow, _since);
        }
    }

    static bool IsTimeout(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is TimeoutException)
                return true;
        return false;
    }
}

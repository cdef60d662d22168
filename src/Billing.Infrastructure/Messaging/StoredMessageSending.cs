using MassTransit;
using MassTransit.Serialization;

namespace Billing.Infrastructure.Messaging;

/// <summary>Puts a message stored in Postgres (outbox or schedule) back on the wire, bounded in time.</summary>
public static class StoredMessageSending
{
    /// <summary>
    /// One send, given up after <paramref name="timeout"/>: the token tells MassTransit to stop, and WaitAsync stops our
    /// wait even where the transport does not listen. A send given up on may still have reached the broker; it is then
    /// sent again later with the same MessageId (at least once, as after a crash), which the receiver's inbox recognises.
    /// The outcome goes to <paramref name="timeouts"/>, which watches for a broker connection that takes nothing.
    /// </summary>
    public static async Task SendWithin(this IBus bus, Uri destination, IPipe<SendContext> pipe, TimeSpan timeout, SendTimeouts timeouts,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var send = SendNow(bus, destination, pipe, deadline.Token);
        try
        {
            await send.WaitAsync(timeout, cancellationToken);
            timeouts.Succeeded();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var timedOut = new TimeoutException($"The send did not complete within {timeout}.");
            timeouts.Failed(timedOut);
            throw timedOut;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            timeouts.Failed(exception);
            throw;
        }
    }

    static async Task SendNow(IBus bus, Uri destination, IPipe<SendContext> pipe, CancellationToken cancellationToken)
    {
        var endpoint = await bus.GetSendEndpoint(destination);
        await endpoint.Send(new SerializedMessageBody(), pipe, cancellationToken);
    }

    /// <summary>Waits 1, 2, 4 … seconds, at most 10 minutes, before a failed row is tried again.</summary>
    public static TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(failedAttempts, 20)), TimeSpan.FromMinutes(10).TotalSeconds));

    /// <summary>Why a send failed, without a stack trace: a bad address or body is a fact about the row, not a crash of ours.</summary>
    public static string Reason(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";
}

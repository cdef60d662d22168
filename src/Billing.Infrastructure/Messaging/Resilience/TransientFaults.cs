using Billing.Infrastructure.Postgres;
using MassTransit;

namespace Billing.Infrastructure.Messaging.Resilience;

/// <summary>Failures that waiting out cures: the database or the broker briefly away, not the message or our code.</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => PostgresErrors.IsTransient(exception) || IsBrokerUnavailable(exception);

    /// <summary>A send or publish that could not reach RabbitMQ or was not confirmed by it.</summary>
    public static bool IsBrokerUnavailable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is ConnectionException or TransportUnavailableException or MessageNotAcknowledgedException
                or RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.BrokerUnreachableException)
                return true;
        }

        return false;
    }
}

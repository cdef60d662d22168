using MassTransit;

namespace Billing.Infrastructure.Messaging.Resilience;

/// <summary>
/// Holds each delivery (and each retry of it) until the database is available, and reports a transient database failure
/// to the breaker. Sits inside the transient-fault retry, so a retry waits here instead of spending its attempts.
/// </summary>
sealed class PostgresAvailabilityFilter(PostgresAvailability availability) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        await availability.WaitUntilAvailable(context.CancellationToken);
        try
        {
            await next.Send(context);
        }
        catch (Exception exception)
        {
            availability.Report(exception);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("postgresAvailability");
}

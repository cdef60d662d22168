using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// The loop shared by the scheduler's dispatcher and the inbox cleanup: wait for the bus (if any),
/// then run one round, pause for the interval unless the round left more to do, log a failure and carry on.
/// </summary>
public abstract class PeriodicBusWork(IBusControl? bus, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected IBusControl Bus => bus ?? throw new InvalidOperationException($"{GetType().Name} was given no bus.");
    protected TimeProvider Clock => clock;

    protected abstract TimeSpan Interval { get; }

    /// <summary>One round of work; true when more is waiting and the next round should start at once.</summary>
    protected abstract Task<bool> RunRound(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Rounds that send go through the bus; it is started by MassTransit's own hosted service.
        while (bus is not null && await bus.WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(5)) != BusHealthStatus.Healthy)
            stoppingToken.ThrowIfCancellationRequested();

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunRound(stoppingToken))
                    await Task.Delay(Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "{Work} failed; it runs again shortly", GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }
}

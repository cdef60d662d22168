using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Billing.Infrastructure.Messaging.Watchdog;

/// <summary>
/// /health/ready's <c>broker</c> check on a worker: the watchdog's last look. Degraded while a sign seen at more than
/// one look lasts (the bus reconnecting after a restart shows here for a few seconds), unhealthy once the worker gave up
/// and is exiting.
/// </summary>
public sealed class BrokerHealthCheck(BrokerWatchdog watchdog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var seen = watchdog.Last;
        // A sign seen at one look only is a moment (a start-up, a reconnect), not yet a state worth a degraded answer.
        var last = seen with { Signs = seen.Signs.Where(s => seen.Lasting(s.Key) > TimeSpan.Zero).ToDictionary() };
        var data = last.Signs.ToDictionary(s => s.Key, s => (object)new { detail = s.Value.Detail, seconds = Math.Round(last.Lasting(s.Key).TotalSeconds) });
        if (last.GaveUp)
            return Task.FromResult(HealthCheckResult.Unhealthy("Connected to RabbitMQ but not consuming or sending; the worker is exiting", data: data));
        return Task.FromResult(last.Signs.Count == 0
            ? HealthCheckResult.Healthy("Consuming and sending")
            : HealthCheckResult.Degraded(string.Join("; ", last.Signs.Values.Select(s => s.Detail)), data: data));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Billing.Infrastructure.Persistence;

/// <summary>Ready when Postgres answers a trivial query within the check's time.</summary>
public sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("Postgres does not answer", exception);
        }
    }
}

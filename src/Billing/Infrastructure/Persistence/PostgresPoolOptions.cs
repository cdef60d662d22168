using Npgsql;

namespace Billing.Infrastructure.Persistence;

/// <summary>
/// Section <c>Postgres</c>: the most connections one process of the service opens, per pool. A process has two: the
/// service's data source (EF Core, the raw SQL, the health check, and one connection the outbox holds for LISTEN) and
/// Hangfire's storage, which opens its connections from a connection string and so pools them apart. Set here rather
/// than in the connection string, so one string serves both and the sum per process is in one place; what the sum
/// means for N workers against <c>max_connections</c> is in docs/operations.md.
/// </summary>
public sealed class PostgresPoolOptions
{
    public const string Section = "Postgres";

    /// <summary>The service's data source; over the connection string's Maximum Pool Size when set.</summary>
    public int? MaxPoolSize { get; set; }

    /// <summary>Hangfire's storage (its server's workers and poller in a worker, enqueueing and the dashboard in the API).</summary>
    public int? JobsMaxPoolSize { get; set; } = 10;

    public static PostgresPoolOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<PostgresPoolOptions>() ?? new PostgresPoolOptions();

    /// <summary>The connection string with the pool's bound and a name that tells the pools apart in pg_stat_activity.</summary>
    public static string Bound(string connectionString, int? maxPoolSize, string pool)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (maxPoolSize is { } max)
            builder.MaxPoolSize = max;
        builder.ApplicationName = string.IsNullOrEmpty(builder.ApplicationName) ? pool : $"{builder.ApplicationName}:{pool}";
        return builder.ConnectionString;
    }
}

using Hangfire.PostgreSql;
using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>
/// Hangfire's tables, in a schema of their own, created and upgraded by the migrate step with Hangfire.PostgreSql's own
/// installer (its versioned scripts, which it runs once each), so they are exactly what the version we run expects.
/// </summary>
public static class HangfireSchema
{
    public const string Name = "hangfire";

    public static void Install(NpgsqlConnection connection) => PostgreSqlObjectsInstaller.Install(connection, Name);
}

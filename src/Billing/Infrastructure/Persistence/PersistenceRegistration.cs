using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Billing.Infrastructure.Persistence;

public static class PersistenceRegistration
{
    public const string ConnectionStringName = "Billing";

    /// <summary>One pooled Npgsql data source shared by EF Core, the migrator and the raw-SQL paths.</summary>
    public static IServiceCollection AddBillingPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set.");

        var pools = PostgresPoolOptions.From(configuration);
        services.AddSingleton(_ => NpgsqlDataSource.Create(PostgresPoolOptions.Bound(connectionString, pools.MaxPoolSize, "billing")));
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        // Pooled: every consumed message gets a scope and so a DbContext, and building one from scratch showed in the profile.
        services.AddDbContextPool<BillingDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            // A failed statement is either an expected race (two first events of one saga) that MassTransit retries,
            // or a real fault that MassTransit logs with the message it belongs to; EF's own error log only doubles it.
            .ConfigureWarnings(w => w.Log(
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug))));
        services.AddSingleton<Migrator>();
        return services;
    }
}

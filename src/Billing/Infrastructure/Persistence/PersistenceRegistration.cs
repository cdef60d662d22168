using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Billing.Infrastructure.Persistence;

public static class PersistenceRegistration
{
    public const string ConnectionStringName = "Billing";

    /// <summary>One pooled Npgsql data source shared by EF Core, the migrator and the raw-SQL paths.</summary>
    /// <param name="autoPrepare">
    /// False turns Npgsql's automatic preparation off whatever the connection string says. The API does: with it on, a
    /// parameter Postgres refuses while binding (a NUL: 22021) on the execution that prepares a statement leaves that
    /// pooled connection believing the statement returns no rows, and the next caller of the same SQL on it fails
    /// ("unexpected backend message DataRow"; Npgsql 10.0.3, unfixed upstream). The edge refuses such input, but one
    /// caller's bad value must never break another's request. Workers keep it (+30 % on the saga benchmark); what they
    /// consume passed that edge. See AutoPrepareTests.
    /// </param>
    public static IServiceCollection AddBillingPersistence(this IServiceCollection services, IConfiguration configuration, bool autoPrepare = true)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set.");
        if (!autoPrepare)
            connectionString = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 0 }.ConnectionString;

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

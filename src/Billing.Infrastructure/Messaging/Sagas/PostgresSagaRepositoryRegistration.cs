using Billing.Infrastructure.Messaging.Outbox;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Infrastructure.Messaging.Sagas;

public static class PostgresSagaRepositoryRegistration
{
    /// <summary>
    /// Keeps this saga's instances in Postgres, in the table its EF mapping in <typeparamref name="TDbContext"/> names.
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> PostgresRepository<TSaga, TDbContext>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, ISaga
        where TDbContext : DbContext
    {
        configurator.Repository(x => x.RegisterPostgresSagaRepository<TSaga, TDbContext>());
        return configurator;
    }

    /// <summary>Makes Postgres the repository of every saga registered without one of its own.</summary>
    public static void SetPostgresSagaRepositoryProvider<TDbContext>(this IRegistrationConfigurator configurator)
        where TDbContext : DbContext =>
        configurator.SetSagaRepositoryProvider(new Provider<TDbContext>());

    static void RegisterPostgresSagaRepository<TSaga, TDbContext>(this ISagaRepositoryRegistrationConfigurator<TSaga> services)
        where TSaga : class, ISaga
        where TDbContext : DbContext
    {
        services.TryAddScoped<ConsumeTransaction>();
        services.AddSingleton(new PostgresSagaType(MassTransit.Metadata.TypeMetadataCache<TSaga>.ShortName));
        services.RegisterLoadSagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga, TDbContext>>();
        services.RegisterQuerySagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga, TDbContext>>();
        services.RegisterSagaRepository<TSaga, DbContext, SagaConsumeContextFactory<DbContext, TSaga>, PostgresSagaRepositoryContextFactory<TSaga, TDbContext>>();
    }

    sealed class Provider<TDbContext> : ISagaRepositoryRegistrationProvider
        where TDbContext : DbContext
    {
        public void Configure<TSaga>(ISagaRegistrationConfigurator<TSaga> configurator)
            where TSaga : class, ISaga =>
            configurator.PostgresRepository<TSaga, TDbContext>();
    }
}

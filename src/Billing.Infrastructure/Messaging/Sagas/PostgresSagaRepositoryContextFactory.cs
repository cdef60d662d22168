using System.Data;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// MassTransit's saga repository extension point, on Postgres through EF Core.
/// Pessimistic: the instance row is locked (SELECT … FOR UPDATE) for the whole transaction, so the events
/// of one saga apply one at a time across every worker process, while different sagas run in parallel.
/// When the Postgres outbox wraps the consumer, its transaction is already open on the same scoped
/// DbContext and the saga's changes commit together with the inbox row and the outgoing messages.
/// </summary>
public sealed class PostgresSagaRepositoryContextFactory<TSaga, TDbContext>(
    TDbContext dbContext,
    ISagaConsumeContextFactory<DbContext, TSaga> consumeContextFactory,
    Outbox.OutboxTransaction outbox)
    : ISagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>, IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
    where TDbContext : DbContext
{
    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class =>
        WithinTransaction(context.CancellationToken, () =>
            next.Send(new PostgresSagaRepositoryContext<TSaga, T, TDbContext>(dbContext, context, consumeContextFactory, outbox.IsActive)));

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        WithinTransaction(context.CancellationToken, async () =>
        {
            var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T, TDbContext>(dbContext, context, consumeContextFactory, outbox.IsActive);

            // Find the matching ids without locks, then lock each row: locking through the filter would
            // make Postgres lock whatever the query plan scans.
            var ids = await dbContext.Set<TSaga>().AsNoTracking().Where(query.FilterExpression)
                .Select(x => x.CorrelationId).ToListAsync(context.CancellationToken);

            var instances = new List<TSaga>(ids.Count);
            foreach (var id in ids)
            {
                var instance = await dbContext.Set<TSaga>().FromSqlRaw(SagaTable<TSaga, TDbContext>.LockSql(dbContext), id)
                    .SingleOrDefaultAsync(context.CancellationToken);
                if (instance is not null)
                    instances.Add(instance);
            }

            await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
        });

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new PostgresSagaQueryContext<TSaga>(dbContext, cancellationToken));

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new PostgresSagaQueryContext<TSaga>(dbContext, cancellationToken));

    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "postgres");
        context.Add("dbContext", typeof(TDbContext).Name);
    }

    async Task WithinTransaction(CancellationToken cancellationToken, Func<Task> work)
    {
        if (dbContext.Database.CurrentTransaction is not null)
        {
            await work();
            return;
        }

        // Read committed is enough: the row lock, not the isolation level, serialises an instance's events,
        // and it spares the serialization failures (40001) that stricter levels raise under contention.
        dbContext.Database.AutoSavepointsEnabled = false;
        await using var transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await work();
        await transaction.CommitAsync(cancellationToken);
    }
}

using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// MassTransit's saga repository extension point, on Postgres through EF Core.
/// Pessimistic: the instance row is locked (SELECT … FOR UPDATE) for the whole transaction, so the events
/// of one saga apply one at a time across every worker process, while different sagas run in parallel.
/// When the Postgres outbox wraps the consumer, its <see cref="Outbox.ConsumeTransaction"/> is already open and the
/// saga's writes commit together with the inbox row and the outgoing messages, in one batch.
/// </summary>
public sealed class PostgresSagaRepositoryContextFactory<TSaga, TDbContext>(
    TDbContext dbContext,
    ISagaConsumeContextFactory<DbContext, TSaga> consumeContextFactory,
    Outbox.ConsumeTransaction transaction)
    : ISagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>, IQuerySagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
    where TDbContext : DbContext
{
    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class =>
        WithinTransaction(context.CancellationToken, () =>
            next.Send(new PostgresSagaRepositoryContext<TSaga, T, TDbContext>(dbContext, context, consumeContextFactory, transaction)));

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        WithinTransaction(context.CancellationToken, async () =>
        {
            var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T, TDbContext>(dbContext, context, consumeContextFactory, transaction);

            // Find the matching ids without locks, then lock each row: locking through the filter would
            // make Postgres lock whatever the query plan scans.
            var ids = await dbContext.Set<TSaga>().AsNoTracking().Where(query.FilterExpression)
                .Select(x => x.CorrelationId).ToListAsync(context.CancellationToken);
            var instances = await repositoryContext.LockAll(ids);

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

    // Inside the outbox its transaction is open already and commits the saga's writes with the inbox row.
    async Task WithinTransaction(CancellationToken cancellationToken, Func<Task> work)
    {
        if (transaction.IsActive)
        {
            await work();
            return;
        }

        await transaction.Begin(dbContext, cancellationToken);
        try
        {
            await work();
            await transaction.Commit(cancellationToken);
        }
        finally
        {
            await transaction.End();
        }
    }
}

using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Billing.Infrastructure.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// Loads, inserts, updates and deletes one saga type's rows inside the <see cref="ConsumeTransaction"/> opened by the
/// outbox (or by <see cref="PostgresSagaRepositoryContextFactory{TSaga,TDbContext}"/> on an endpoint without one).
/// Instances are read without EF change tracking and written whole: the write waits for the transaction's commit batch.
/// </summary>
sealed class PostgresSagaRepositoryContext<TSaga, TMessage, TDbContext> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
    where TDbContext : DbContext
{
    readonly TDbContext dbContext;
    readonly ConsumeContext<TMessage> consumeContext;
    readonly ISagaConsumeContextFactory<DbContext, TSaga> factory;
    readonly ConsumeTransaction transaction;

    public PostgresSagaRepositoryContext(TDbContext dbContext, ConsumeContext<TMessage> consumeContext,
        ISagaConsumeContextFactory<DbContext, TSaga> factory, ConsumeTransaction transaction)
        : base(consumeContext, dbContext)
    {
        this.dbContext = dbContext;
        this.consumeContext = consumeContext;
        this.factory = factory;
        this.transaction = transaction;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(dbContext, consumeContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>?> Insert(TSaga instance)
    {
        // Null tells MassTransit the instance exists already (a duplicate or concurrent first event): it loads it instead.
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction.Transaction)
        {
            BatchCommands = { SagaTable<TSaga, TDbContext>.CreationLock(dbContext, instance.CorrelationId), SagaTable<TSaga, TDbContext>.TryInsert(dbContext, instance) },
        };
        await batch.ExecuteNonQueryAsync(CancellationToken);
        if (batch.BatchCommands[1].RecordsAffected != 1)
            return null;

        return await factory.CreateSagaConsumeContext(dbContext, consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    // A missing row means this event may create it: Locked holds the creation lock, so a concurrent first event waits for
    // that commit and loads the winner's row instead of failing on a duplicate key.
    public async Task<SagaConsumeContext<TSaga, TMessage>?> Load(Guid correlationId) =>
        await Locked(correlationId) is { } instance
            ? await factory.CreateSagaConsumeContext(dbContext, consumeContext, instance, SagaConsumeContextMode.Load)
            : null;

    Task<TSaga?> Locked(Guid correlationId) =>
        SagaTable<TSaga, TDbContext>.Lock(dbContext, transaction.Connection, transaction.Transaction, correlationId, CancellationToken);

    public Task Save(SagaConsumeContext<TSaga> context)
    {
        transaction.Write(SagaTable<TSaga, TDbContext>.Insert(dbContext, context.Saga));
        return Task.CompletedTask;
    }

    public Task Update(SagaConsumeContext<TSaga> context)
    {
        transaction.Write(SagaTable<TSaga, TDbContext>.Update(dbContext, context.Saga));
        return Task.CompletedTask;
    }

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        transaction.Write(SagaTable<TSaga, TDbContext>.Delete(dbContext, context.Saga.CorrelationId));
        return Task.CompletedTask;
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    // Nothing was written for it: writes wait for Update, which MassTransit does not call after Undo.
    public Task Undo(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        factory.CreateSagaConsumeContext(dbContext, context, instance, mode);

    /// <summary>Locks and reads the row of each id, for a correlation by query.</summary>
    public async Task<List<TSaga>> LockAll(IEnumerable<Guid> ids)
    {
        var instances = new List<TSaga>();
        foreach (var id in ids)
        {
            if (await Locked(id) is { } instance)
                instances.Add(instance);
        }

        return instances;
    }
}

/// <summary>Out-of-band reads (ILoadSagaRepository / IQuerySagaRepository): no locks, no tracking.</summary>
sealed class PostgresSagaQueryContext<TSaga>(DbContext dbContext, CancellationToken cancellationToken)
    : BasePipeContext(cancellationToken), LoadSagaRepositoryContext<TSaga>, QuerySagaRepositoryContext<TSaga>
    where TSaga : class, ISaga
{
    public Task<TSaga> Load(Guid correlationId) =>
        dbContext.Set<TSaga>().AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken)!;

    public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken cancellationToken)
    {
        var ids = await dbContext.Set<TSaga>().AsNoTracking().Where(query.FilterExpression).Select(x => x.CorrelationId).ToListAsync(cancellationToken);
        return new DefaultSagaRepositoryQueryContext<TSaga>(this, ids);
    }
}

using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// Loads, inserts, updates and deletes one saga type's rows inside the transaction opened by
/// <see cref="PostgresSagaRepositoryContextFactory{TSaga,TDbContext}"/> (or by the outbox around it).
/// </summary>
sealed class PostgresSagaRepositoryContext<TSaga, TMessage, TDbContext> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
    where TDbContext : DbContext
{
    readonly TDbContext _dbContext;
    readonly ConsumeContext<TMessage> _consumeContext;
    readonly ISagaConsumeContextFactory<DbContext, TSaga> _factory;
    readonly bool _outboxFlushes;

    /// <param name="outboxFlushes">The outbox flushes the DbContext with the inbox row, so writes can wait for that one flush.</param>
    public PostgresSagaRepositoryContext(TDbContext dbContext, ConsumeContext<TMessage> consumeContext, ISagaConsumeContextFactory<DbContext, TSaga> factory,
        bool outboxFlushes)
        : base(consumeContext, dbContext)
    {
        _dbContext = dbContext;
        _consumeContext = consumeContext;
        _factory = factory;
        _outboxFlushes = outboxFlushes;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>?> Insert(TSaga instance)
    {
        // Null tells MassTransit the instance exists already (a duplicate or concurrent first event): it loads it instead.
        if (!await SagaTable<TSaga, TDbContext>.TryInsert(_dbContext, instance, CancellationToken))
            return null;

        _dbContext.Attach(instance);
        return await _factory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>?> Load(Guid correlationId)
    {
        var instance = await _dbContext.Set<TSaga>()
            .FromSqlRaw(SagaTable<TSaga, TDbContext>.LockSql(_dbContext), correlationId)
            .SingleOrDefaultAsync(CancellationToken);

        return instance is null
            ? null
            : await _factory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<TSaga> context)
    {
        _dbContext.Set<TSaga>().Add(context.Saga);
        return Flush();
    }

    public Task Update(SagaConsumeContext<TSaga> context) => Flush();

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        _dbContext.Set<TSaga>().Remove(context.Saga);
        return Flush();
    }

    Task Flush() => _outboxFlushes ? Task.CompletedTask : _dbContext.SaveChangesAsync(CancellationToken);

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        var entry = _dbContext.ChangeTracker.Entries<TSaga>().FirstOrDefault(x => x.Entity.CorrelationId == context.Saga.CorrelationId);
        if (entry is not null)
            entry.State = EntityState.Unchanged;
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_dbContext, context, instance, mode);
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

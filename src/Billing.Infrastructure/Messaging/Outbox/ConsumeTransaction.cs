using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>
/// The one transaction in which a message is consumed, shared (scoped) by the outbox and the saga repository.
/// It costs two round trips for a saga event: Npgsql sends BEGIN with the first statement (the saga's row lock), and
/// everything written afterwards (the saga row, the inbox row, the outgoing messages) waits here and goes to Postgres in
/// one batch that ends with COMMIT. Entities a consumer adds through the DbContext are flushed by EF just before it.
/// </summary>
public sealed class ConsumeTransaction
{
    readonly List<NpgsqlBatchCommand> _writes = [];
    IDbContextTransaction? _transaction;
    DbContext? _dbContext;

    public bool IsActive => _transaction is not null;

    public NpgsqlConnection Connection => (NpgsqlConnection)(_dbContext ?? throw NotActive()).Database.GetDbConnection();

    public NpgsqlTransaction Transaction => (NpgsqlTransaction)(_transaction ?? throw NotActive()).GetDbTransaction();

    /// <summary>Opens the transaction (read committed: the row locks, not the isolation level, serialise the work).</summary>
    public async Task Begin(DbContext dbContext, CancellationToken cancellationToken)
    {
        if (_transaction is not null)
            throw new InvalidOperationException("A consume transaction is already open in this scope.");

        dbContext.ChangeTracker.Clear();
        // A failed statement fails the whole attempt, which starts again from scratch: savepoints would only add round trips.
        dbContext.Database.AutoSavepointsEnabled = false;
        _dbContext = dbContext;
        _transaction = await dbContext.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
    }

    /// <summary>A statement on the transaction's connection, run now.</summary>
    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    /// <summary>A write that goes to Postgres with the commit, in the order written.</summary>
    public void Write(NpgsqlBatchCommand command)
    {
        // Never queued outside a transaction: nothing would ever send it.
        if (_transaction is null)
            throw NotActive();
        _writes.Add(command);
    }

    /// <summary>
    /// Sends what was written so far without committing, so the next member of a consume group reads it; the tracked
    /// entities are then forgotten, as at a commit.
    /// </summary>
    public async Task Flush(CancellationToken cancellationToken)
    {
        var dbContext = _dbContext ?? throw NotActive();
        if (dbContext.ChangeTracker.HasChanges())
            await dbContext.SaveChangesAsync(cancellationToken);
        dbContext.ChangeTracker.Clear();

        if (_writes.Count == 0)
            return;
        await using var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var write in _writes)
            batch.BatchCommands.Add(write);
        _writes.Clear();
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task Commit(CancellationToken cancellationToken)
    {
        var dbContext = _dbContext ?? throw NotActive();
        if (dbContext.ChangeTracker.HasChanges())
            await dbContext.SaveChangesAsync(cancellationToken);

        if (_writes.Count == 0)
            await _transaction!.CommitAsync(cancellationToken);
        else
        {
            await using var batch = new NpgsqlBatch(Connection, Transaction);
            foreach (var write in _writes)
                batch.BatchCommands.Add(write);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await End();
    }

    /// <summary>Ends the transaction without committing (after a failure); safe to call when none is open.</summary>
    public async Task End()
    {
        _writes.Clear();
        if (_transaction is { } transaction)
        {
            _transaction = null;
            await transaction.DisposeAsync();
        }

        _dbContext?.ChangeTracker.Clear();
    }

    static InvalidOperationException NotActive() => new("No consume transaction is open in this scope.");
}

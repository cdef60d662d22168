using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// The SQL the repository writes by hand for one saga type, built once from the EF model (so a mapping change needs no
/// change here): the row-locking load, the creation lock, and full-row insert, update and delete statements whose
/// parameters EF's own type mappings make, so a value is written exactly as EF would write it.
/// </summary>
static class SagaTable<TSaga, TDbContext>
    where TSaga : class
    where TDbContext : DbContext
{
    static Statements? _statements;

    /// <summary>SELECT … FOR UPDATE: the row stays locked until the transaction ends.</summary>
    public static string LockSql(DbContext dbContext) => Get(dbContext).Lock;

    /// <summary>
    /// Serialises the creation of one instance: a transaction about to create it takes this lock first, so a concurrent
    /// first event waits for that commit and then finds the row, instead of inserting a second one and failing. The lock
    /// is per table and id (a hash; a collision only makes two creations wait for each other) and ends with the transaction.
    /// </summary>
    public static NpgsqlBatchCommand CreationLock(DbContext dbContext, Guid correlationId)
    {
        var command = new NpgsqlBatchCommand("select pg_advisory_xact_lock($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Get(dbContext).TableKey });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = IdKey(correlationId) });
        return command;
    }

    /// <summary>
    /// INSERT … ON CONFLICT DO NOTHING: true when inserted. It waits for a concurrent insert of the same id to commit and
    /// then reports it, without aborting our transaction.
    /// </summary>
    public static NpgsqlBatchCommand TryInsert(DbContext dbContext, TSaga instance) => WithValues(dbContext, Get(dbContext).TryInsert, instance);

    public static NpgsqlBatchCommand Insert(DbContext dbContext, TSaga instance) => WithValues(dbContext, Get(dbContext).Insert, instance);

    public static NpgsqlBatchCommand Update(DbContext dbContext, TSaga instance) => WithValues(dbContext, Get(dbContext).Update, instance);

    public static NpgsqlBatchCommand Delete(DbContext dbContext, Guid correlationId)
    {
        var command = new NpgsqlBatchCommand(Get(dbContext).Delete);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = correlationId });
        return command;
    }

    // Every column, key first, as $1…$n.
    static NpgsqlBatchCommand WithValues(DbContext dbContext, string sql, TSaga instance)
    {
        var statements = Get(dbContext);
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (property, mapping) in statements.Columns)
        {
            var parameter = (NpgsqlParameter)mapping.CreateParameter(ParameterFactory, "", property.GetGetter().GetClrValueUsingContainingEntity(instance));
            parameter.ParameterName = "";
            command.Parameters.Add(parameter);
        }

        return command;
    }

    // Only its CreateParameter is used: EF's type mappings make parameters for a DbCommand.
    static readonly NpgsqlCommand ParameterFactory = new();

    static int IdKey(Guid id)
    {
        Span<int> parts = stackalloc int[4];
        id.TryWriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(parts));
        return parts[0] ^ parts[1] ^ parts[2] ^ parts[3];
    }

    // FNV-1a: string.GetHashCode differs between processes, and every process must take the same lock.
    static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return (int)hash;
    }

    static Statements Get(DbContext dbContext) => _statements ??= Build(dbContext);

    static Statements Build(DbContext dbContext)
    {
        var entity = dbContext.Model.FindEntityType(typeof(TSaga))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped in {typeof(TDbContext).Name}; add its map in OnModelCreating.");
        var tableName = entity.GetTableName()!;
        var table = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
        var qualified = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{tableName}\"" : $"\"{tableName}\"";
        var keyProperty = entity.FindProperty("CorrelationId")!;
        var key = keyProperty.GetColumnName(table)!;

        var columns = entity.GetProperties().Where(p => p.GetColumnName(table) is not null)
            .OrderBy(p => p == keyProperty ? 0 : 1)
            .Select(p => (p, (RelationalTypeMapping)p.GetRelationalTypeMapping()))
            .ToList();
        var names = columns.Select(c => $"\"{c.p.GetColumnName(table)}\"").ToList();
        var values = string.Join(", ", names.Select((_, i) => $"${i + 1}"));
        var insert = $"INSERT INTO {qualified} ({string.Join(", ", names)}) VALUES ({values})";
        var sets = string.Join(", ", names.Skip(1).Select((name, i) => $"{name} = ${i + 2}"));

        return new Statements(
            $"SELECT * FROM {qualified} WHERE \"{key}\" = {{0}} FOR UPDATE",
            insert + $" ON CONFLICT (\"{key}\") DO NOTHING",
            insert,
            $"UPDATE {qualified} SET {sets} WHERE \"{key}\" = $1",
            $"DELETE FROM {qualified} WHERE \"{key}\" = $1",
            StableHash(qualified),
            columns);
    }

    sealed record Statements(string Lock, string TryInsert, string Insert, string Update, string Delete, int TableKey,
        IReadOnlyList<(IProperty Property, RelationalTypeMapping Mapping)> Columns);
}

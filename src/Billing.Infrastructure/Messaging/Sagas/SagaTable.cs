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

    /// <summary>
    /// SELECT … FOR UPDATE: reads one instance and keeps its row locked until the transaction ends. Read straight from
    /// Npgsql and set through the mapped properties: EF's query pipeline (its cache key worked out from the expression on
    /// every event) and its change tracking cost more here than the round trip itself.
    /// </summary>
    public static async Task<TSaga?> Lock(DbContext dbContext, NpgsqlConnection connection, NpgsqlTransaction transaction, Guid correlationId,
        CancellationToken cancellationToken)
    {
        // The creation lock goes first, in the same round trip: an event that finds no row may be about to create it, and a
        // concurrent first event then waits for that commit and finds the row, instead of inserting a second one. Each
        // statement of a batch reads its own snapshot, so the select sees a row committed while the lock was awaited.
        var statements = Get(dbContext);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                CreationLock(dbContext, correlationId),
                new NpgsqlBatchCommand(statements.Lock) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = correlationId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var instance = Activator.CreateInstance<TSaga>();
        for (var i = 0; i < statements.Readers.Count; i++)
            statements.Readers[i](reader, i, instance);
        return instance;
    }

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

    // A well-mixed 32 bits of the id (splitmix64's finaliser over both halves), the same in every process. The XOR of the
    // id's four ints it replaces gave MassTransit's sequential ids many shared keys; harmless while a transaction took one
    // creation lock, but a consume group takes one per member, and two groups sharing keys deadlocked (40P01) each other.
    static int IdKey(Guid id)
    {
        Span<ulong> halves = stackalloc ulong[2];
        id.TryWriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves));
        var mixed = Mix(halves[0] ^ Mix(halves[1]));
        return (int)(mixed ^ (mixed >> 32));
    }

    static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
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
            $"SELECT {string.Join(", ", names)} FROM {qualified} WHERE \"{key}\" = $1 FOR UPDATE",
            insert + $" ON CONFLICT (\"{key}\") DO NOTHING",
            insert,
            $"UPDATE {qualified} SET {sets} WHERE \"{key}\" = $1",
            $"DELETE FROM {qualified} WHERE \"{key}\" = $1",
            StableHash(qualified),
            columns,
            columns.Select(c => ColumnReader(c.p, c.Item2)).ToList());
    }

    /// <summary>Reads column i as the provider's type and sets it on the instance, through the mapping's converter if any.</summary>
    static Action<NpgsqlDataReader, int, TSaga> ColumnReader(IProperty property, RelationalTypeMapping mapping)
    {
        var providerType = mapping.Converter?.ProviderClrType ?? property.ClrType;
        providerType = Nullable.GetUnderlyingType(providerType) ?? providerType;
        var read = typeof(SagaTable<TSaga, TDbContext>).GetMethod(nameof(ReadAs), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(providerType).CreateDelegate<Func<NpgsqlDataReader, int, object?>>();
        var converter = mapping.Converter;
        Action<object, object?> set = property.PropertyInfo is { SetMethod: not null } settable
            ? settable.SetValue
            : property.FieldInfo is { } field ? field.SetValue
            : throw new InvalidOperationException($"{typeof(TSaga).Name}.{property.Name} has neither a setter nor a backing field.");

        return (reader, ordinal, instance) =>
        {
            var value = reader.IsDBNull(ordinal) ? null : read(reader, ordinal);
            set(instance, converter is null || value is null ? value : converter.ConvertFromProvider(value));
        };
    }

    static object? ReadAs<T>(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<T>(ordinal);

    sealed record Statements(string Lock, string TryInsert, string Insert, string Update, string Delete, int TableKey,
        IReadOnlyList<(IProperty Property, RelationalTypeMapping Mapping)> Columns,
        IReadOnlyList<Action<NpgsqlDataReader, int, TSaga>> Readers);
}

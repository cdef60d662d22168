using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Sagas;

/// <summary>
/// The SQL the repository writes by hand for one saga type, built once from the EF model (so a mapping change
/// needs no change here): the row-locking load, and an insert that reports a duplicate instead of failing.
/// </summary>
static class SagaTable<TSaga, TDbContext>
    where TSaga : class
    where TDbContext : DbContext
{
    static Statements? _statements;

    /// <summary>SELECT … FOR UPDATE: the row stays locked until the transaction ends.</summary>
    public static string LockSql(DbContext dbContext) => Get(dbContext).Lock;

    /// <summary>
    /// Inserts the instance unless its row exists; true when inserted. ON CONFLICT DO NOTHING waits for a
    /// concurrent insert of the same id to commit and then reports it, without aborting our transaction.
    /// </summary>
    public static async Task<bool> TryInsert(DbContext dbContext, TSaga instance, CancellationToken cancellationToken)
    {
        var statements = Get(dbContext);
        await using var command = Postgres.DbContextCommands.CreateCommand(dbContext, statements.Insert);
        var entry = dbContext.Entry(instance);
        foreach (var property in statements.Columns)
        {
            var value = entry.Property(property).CurrentValue;
            if (property.GetTypeMapping().Converter is { } converter)
                value = converter.ConvertToProvider(value);
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    static Statements Get(DbContext dbContext) => _statements ??= Build(dbContext);

    static Statements Build(DbContext dbContext)
    {
        var entity = dbContext.Model.FindEntityType(typeof(TSaga))
            ?? throw new InvalidOperationException($"{typeof(TSaga).Name} is not mapped in {typeof(TDbContext).Name}; add its map in OnModelCreating.");
        var tableName = entity.GetTableName()!;
        var table = StoreObjectIdentifier.Table(tableName, entity.GetSchema());
        var qualified = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{tableName}\"" : $"\"{tableName}\"";
        var key = entity.FindProperty("CorrelationId")!.GetColumnName(table);

        var columns = entity.GetProperties().Where(p => p.GetColumnName(table) is not null).ToList();
        var names = string.Join(", ", columns.Select(p => $"\"{p.GetColumnName(table)}\""));
        var values = string.Join(", ", columns.Select((_, i) => $"${i + 1}"));

        return new Statements(
            $"SELECT * FROM {qualified} WHERE \"{key}\" = {{0}} FOR UPDATE",
            $"INSERT INTO {qualified} ({names}) VALUES ({values}) ON CONFLICT (\"{key}\") DO NOTHING",
            columns);
    }

    sealed record Statements(string Lock, string Insert, IReadOnlyList<IProperty> Columns);
}

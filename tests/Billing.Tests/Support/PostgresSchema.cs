using Npgsql;

namespace Billing.Tests.Support;

/// <summary>What a database's schema looks like, as text to compare before and after (a migration run again, say).</summary>
public static class PostgresSchema
{
    /// <summary>Every column, index and constraint of the named schemas, one line each, in a stable order.</summary>
    public static async Task<List<string>> Shape(NpgsqlDataSource dataSource, params string[] schemas) =>
    [
        .. await Lines(dataSource, """
            select table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
            from information_schema.columns where table_schema = any($1) order by 1
            """, schemas),
        .. await Lines(dataSource, "select indexdef from pg_indexes where schemaname = any($1) order by 1", schemas),
        .. await Lines(dataSource, """
            select n.nspname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
            from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = any($1) order by 1
            """, schemas),
    ];

    public static async Task<List<string>> Lines(NpgsqlDataSource dataSource, string sql, params string[] schemas)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (sql.Contains("$1", StringComparison.Ordinal))
            command.Parameters.AddWithValue(schemas);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return lines;
    }
}

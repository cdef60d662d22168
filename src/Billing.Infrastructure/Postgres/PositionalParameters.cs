using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>Positional parameters ($1, $2, …) in the order given, for the SQL the features write by hand.</summary>
public static class PositionalParameters
{
    public static void AddPositional(this NpgsqlParameterCollection parameters, params object[] values)
    {
        foreach (var value in values)
            parameters.Add(new NpgsqlParameter { Value = value });
    }

    /// <summary>A statement for a batch (a read batch, or a consume transaction's commit batch).</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddPositional(values);
        return command;
    }

    /// <summary>Runs one statement on <paramref name="connection"/> (in <paramref name="transaction"/> when given); the rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddPositional(values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

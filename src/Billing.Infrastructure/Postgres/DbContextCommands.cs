using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Billing.Infrastructure.Postgres;

public static class DbContextCommands
{
    /// <summary>
    /// A plain Npgsql command on the DbContext's connection and inside its current transaction, for SQL that EF
    /// does not express (upserts, row locks) but that must commit with the rest of the unit of work.
    /// </summary>
    public static async Task<NpgsqlCommand> CreateCommandAsync(this DbContext dbContext, string sql, CancellationToken cancellationToken)
    {
        // Outside a transaction EF has not opened the connection yet; it closes it again when the context is disposed.
        await dbContext.Database.OpenConnectionAsync(cancellationToken);
        return dbContext.CreateCommand(sql);
    }

    public static NpgsqlCommand CreateCommand(this DbContext dbContext, string sql)
    {
        var connection = (NpgsqlConnection)dbContext.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction?)dbContext.Database.CurrentTransaction?.GetDbTransaction();
        return new NpgsqlCommand(sql, connection, transaction);
    }
}

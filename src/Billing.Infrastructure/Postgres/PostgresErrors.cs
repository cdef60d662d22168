using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>The Postgres errors that mean "try again": someone else got there first, or the server was briefly away.</summary>
public static class PostgresErrors
{
    public const string UniqueViolation = "23505";
    public const string SerializationFailure = "40001";
    public const string DeadlockDetected = "40P01";

    public static bool IsUniqueViolation(Exception exception) => SqlState(exception) == UniqueViolation;

    /// <summary>True for conflicts that a fresh attempt of the same work resolves.</summary>
    public static bool IsConcurrencyConflict(Exception exception) =>
        SqlState(exception) is UniqueViolation or SerializationFailure or DeadlockDetected
        || exception is DbUpdateConcurrencyException;

    /// <summary>
    /// True when the database was unreachable or going away (a restart: 57P01 admin shutdown, 57P03 starting up; a
    /// broken pooled connection; a timeout; a full pool) rather than refusing the work: waiting and trying again works.
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException postgres)
                return postgres.IsTransient || postgres.SqlState is "57P01" or "57P02" or "57P03" or "53300";
            if (e is NpgsqlException { IsTransient: true } or TimeoutException or System.Net.Sockets.SocketException or IOException)
                return true;
        }

        return false;
    }

    static string? SqlState(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException postgres)
                return postgres.SqlState;
        }

        return null;
    }
}

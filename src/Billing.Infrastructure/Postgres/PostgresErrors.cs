using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>The Postgres errors that mean "someone else got there first; try again".</summary>
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

using Npgsql;

namespace Billing.Infrastructure.Postgres;

/// <summary>
/// A read that every request makes first (the API-key lookup) and that a restart of Postgres breaks on each pooled
/// connection the restart killed (57P01, then a broken socket): tried again on a fresh connection, as the workers'
/// consumers are, with the same judgement of what is transient (<see cref="PostgresErrors.IsTransient"/>). Still failing,
/// it throws, and the API answers 503 with Retry-After (ProblemTypes), never 500.
/// </summary>
public static class TransientRetry
{
    const int Attempts = 3;
    static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    public static async Task<T> Read<T>(NpgsqlDataSource dataSource, Func<Task<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (attempt < Attempts && PostgresErrors.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                // The server's restart killed every idle connection in the pool: drop them all now, instead of one
                // failed request each.
                dataSource.Clear();
                await Task.Delay(Pause * attempt, cancellationToken);
            }
        }
    }
}

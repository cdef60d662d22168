using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// A repayment's or a reversal's transaction, bounded well inside <c>BillingRuns:CutoffSettle</c> (10 s). The entry's
/// booked_at is the transaction's start, and a billing waits CutoffSettle past its cut-off for the repayments then in
/// flight: one still open after that would commit onto a statement that was already written without it. So the caller
/// stops waiting after <see cref="Deadline"/> (its commands are cancelled and the transaction rolls back), and Postgres
/// cuts a lock wait, a statement or a pause between statements at the same bound should the caller itself stall.
/// A report cut there answers 503 with Retry-After, and sending it again is safe (both intakes are idempotent).
/// Postgres 17's transaction_timeout would make the whole bound the server's; this service supports 15.
/// </summary>
static class PassbookTransaction
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static async Task<T> Run<T>(NpgsqlDataSource dataSource, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await Once(dataSource, work, deadline.Token);
                }
                // A deadlock victim rolled back everything it did: run it again. Payment locks are taken one by one by
                // the refund saga's consume groups (in delivery order) and several at once here (in id order), so two
                // can meet; Postgres breaks the cycle after deadlock_timeout and either side may be the one it stops.
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 3)
                {
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
                                  && (deadline.IsCancellationRequested || e is PostgresException { SqlState: "55P03" or "57014" }))
        {
            // A TimeoutException is transient: the API answers 503 with Retry-After.
            throw new TimeoutException($"The passbook transaction took longer than {Deadline.TotalSeconds:0} s and was rolled back.", e);
        }
    }

    static async Task<T> Once<T>(NpgsqlDataSource dataSource, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work,
        CancellationToken deadline)
    {
        await using var connection = await dataSource.OpenConnectionAsync(deadline);
        await using var transaction = await connection.BeginTransactionAsync(deadline);
        var bound = $"{(int)Deadline.TotalMilliseconds}ms";
        await connection.ExecuteAsync(transaction, """
            select set_config('lock_timeout', $1, true), set_config('statement_timeout', $1, true),
                   set_config('idle_in_transaction_session_timeout', $1, true)
            """, deadline, bound);
        return await work(connection, transaction, deadline);
    }
}

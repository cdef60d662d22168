using System.Diagnostics;
using Billing.Infrastructure.Postgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Infrastructure.Messaging.Resilience;

/// <summary>
/// A circuit breaker for the database, shared by every endpoint of the process. The first transient Postgres failure
/// opens it: consumers then wait before touching the database (their messages stay unacknowledged, in their queues),
/// one probe asks Postgres every half second or so, and its first answer closes the breaker for all of them at once.
/// An outage of minutes so costs no retry attempts and sends nothing to an error queue, and the log says it twice: when
/// the database went away and when it came back.
/// </summary>
public sealed class PostgresAvailability(NpgsqlDataSource dataSource, ILogger<PostgresAvailability> logger)
{
    readonly object _gate = new();
    TaskCompletionSource? _back;

    public bool IsAvailable => Volatile.Read(ref _back) is null;

    /// <summary>Completes at once while the database is available, else when it answers again.</summary>
    public Task WaitUntilAvailable(CancellationToken cancellationToken) =>
        Volatile.Read(ref _back) is { } back ? back.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Opens the breaker when the failure says the database is unreachable; other failures change nothing.</summary>
    public void Report(Exception exception)
    {
        if (!PostgresErrors.IsTransient(exception))
            return;

        lock (_gate)
        {
            if (_back is not null)
                return;
            _back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        logger.LogWarning("Postgres is unreachable ({Reason}); consumers wait for it, messages stay in their queues",
            StoredMessageSending.Reason(exception));
        _ = Task.Run(ProbeUntilAvailable);
    }

    async Task ProbeUntilAvailable()
    {
        var down = Stopwatch.StartNew();
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            await Task.Delay(wait);
            try
            {
                await using var command = dataSource.CreateCommand("select 1");
                command.CommandTimeout = 5;
                await command.ExecuteScalarAsync();
                break;
            }
            catch (Exception)
            {
                // Still away (refused, starting up, shutting down): ask again a little later, at most every 2 s.
                wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, 2000));
            }
        }

        TaskCompletionSource back;
        lock (_gate)
        {
            back = _back!;
            _back = null;
        }

        logger.LogWarning("Postgres answers again after {Seconds:F1} s; consumers resume", down.Elapsed.TotalSeconds);
        back.SetResult();
    }
}

using System.Diagnostics;
using Billing.Features.Observability;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// Watches one wait of the fan-out for room: when the number of accounts in flight has not moved for the configured
/// time, the run is marked stalled on its row (<c>stalled_since</c>, shown by GET /billing/runs/{run} and the dashboard),
/// counted in <c>billing_runs_stalled</c> and logged once; the mark goes as soon as an account settles or the wait ends.
/// </summary>
sealed class RunStall(NpgsqlConnection connection, Guid runId, TimeSpan after, ILogger logger)
{
    int? _inFlight;
    long _unchangedSince = Stopwatch.GetTimestamp();
    bool _marked;

    public async Task Observe(int inFlight, CancellationToken cancellationToken)
    {
        if (_inFlight != inFlight)
        {
            _inFlight = inFlight;
            _unchangedSince = Stopwatch.GetTimestamp();
            if (_marked)
                await Clear();
            return;
        }

        var unchanged = Stopwatch.GetElapsedTime(_unchangedSince);
        if (_marked || unchanged < after)
            return;
        await connection.ExecuteAsync(null, """
            update billing.billing_run set stalled_since = now() - $2, stalled_in_flight = $3 where run_id = $1
            """, cancellationToken, runId, unchanged, inFlight);
        _marked = true;
        BillingMetrics.RunStalled(1);
        logger.LogWarning("Billing run {RunId} is stalled: {InFlight} account(s) in flight and none settled for {Unchanged}; " +
                          "see GET /billing/runs/{RunId} for where they stand", runId, inFlight, unchanged, runId);
    }

    /// <summary>Takes the mark off (also one left by a worker that died while the run was stalled).</summary>
    public async Task Clear()
    {
        try
        {
            var cleared = await connection.ExecuteAsync(null,
                "update billing.billing_run set stalled_since = null, stalled_in_flight = null where run_id = $1 and stalled_since is not null",
                CancellationToken.None, runId);
            if (cleared > 0)
                logger.LogInformation("Billing run {RunId} moves again", runId);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Postgres away (a connection it broke answers InvalidOperationException, not NpgsqlException): the next wait
            // of whichever worker takes the run up clears the mark. This runs in the wait's finally, so it must not throw
            // over the failure that ended the wait: an exception the fan-out does not expect stops the worker's host.
            logger.LogWarning("Billing run {RunId}: could not clear its stall mark: {Error}", runId, e.Message);
        }
        finally
        {
            if (_marked)
                BillingMetrics.RunStalled(-1);
            _marked = false;
        }
    }
}

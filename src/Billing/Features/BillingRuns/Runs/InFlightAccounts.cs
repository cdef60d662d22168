using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// How many of a run's published accounts are not settled yet (<see cref="RunStates"/>), for the fan-out's room, at a
/// cost that does not grow with the run. Counting the run's settled sagas reads every row it billed so far (23 ms a check
/// at 100,000 accounts, about 0.7 s at 3,000,000; docs/benchmarks.md); instead this keeps the billing ids it published
/// (a saga's id is <see cref="BillingIds.Billing"/> of its date and account) and asks only for those not yet seen
/// settled, by primary key. A resumed account that leaves Halted again is not seen: the count is the fan-out's
/// back-pressure, not a figure anyone reads (the progress endpoint counts the rows).
/// <para>
/// Accounts published before this worker took the run (a restart, a lease taken over) are not known by id: until they
/// have all settled they are counted the old way, published then less settled, once a check.
/// </para>
/// </summary>
sealed class InFlightAccounts(Guid runId, DateOnly date, int publishedBefore)
{
    readonly HashSet<Guid> _waiting = [];
    int _settledOfOurs;
    long _earlierInFlight = publishedBefore;

    public void Published(IEnumerable<string> accountIds)
    {
        foreach (var accountId in accountIds)
            _waiting.Add(BillingIds.Billing(date, accountId));
    }

    public async Task<int> Count(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_waiting.Count > 0)
        {
            await using var command = new NpgsqlCommand("""
                select correlation_id from billing.account_billing where correlation_id = any($1) and current_state = any($2)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. _waiting] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = RunStates.Settled });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                if (_waiting.Remove(reader.GetGuid(0)))
                    _settledOfOurs++;
        }

        if (_earlierInFlight > 0)
        {
            await using var command = new NpgsqlCommand("""
                select count(*) from billing.account_billing where run_id = $1 and current_state = any($2)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = RunStates.Settled });
            var settled = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            _earlierInFlight = RunStates.InFlight(publishedBefore, settled - _settledOfOurs);
        }

        return (int)_earlierInFlight + _waiting.Count;
    }
}

using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

public sealed record StepCount(string State, string? Step, string? Reason, int Count);

/// <summary>How many of a run's statements stand at a status on a channel (sms, pdf, email, whatsapp).</summary>
public sealed record DeliveryCount(string Channel, string Status, int Count);

public sealed record HaltedAccount(string AccountId, string Step, string Reason, string? Detail, DateTimeOffset HaltedAt);

/// <param name="Done">Accounts with a ready statement or halted: nothing more happens to them without a resume.</param>
/// <param name="PerSecond">
/// Accounts done per second of the run's active time (<see cref="BillingRunProgress.IdleAfter"/>); null before the first.
/// </param>
public sealed record BillingRunView(Guid RunId, DateOnly StatementDate, string Status, string Trigger, int Total, int Published, int Ready,
    int Halted, int Waiting, int InProgress, int Done, double? PerSecond, TimeSpan? Eta, DateTimeOffset StartedAt, DateTimeOffset? FannedOutAt,
    IReadOnlyList<StepCount> ByStateAndStep)
{
    /// <summary>The first halted accounts, in account order (GET /billing/runs/{run} fills it in; <see cref="HaltedNext"/> pages on).</summary>
    public IReadOnlyList<HaltedAccount> HaltedAccounts { get; init; } = [];

    public string? HaltedNext { get; init; }

    /// <summary>Statements whose every channel has settled (counted in <see cref="Ready"/> too: their statement is ready).</summary>
    public int Delivered { get; init; }

    /// <summary>The run's delivery records by channel and status.</summary>
    public IReadOnlyList<DeliveryCount> Deliveries { get; init; } = [];

    /// <summary>
    /// Since when the fan-out has waited for room with none of the accounts in flight settling
    /// (<see cref="BillingRunOptions.StallAfter"/>); null while the run moves.
    /// </summary>
    public DateTimeOffset? StalledSince { get; init; }

    /// <summary>What an operator should know now, in words: a stall and where its accounts stand; null when all is well.</summary>
    public string? Warning { get; init; }

    /// <summary>
    /// Settled statements by outcome (delivered, partly_delivered, undelivered, not_delivered): <see cref="Delivered"/>
    /// counts them all, this says how many reached their holder.
    /// </summary>
    public IReadOnlyDictionary<string, int> DeliveryOutcomes { get; init; } = new Dictionary<string, int>();

    public bool Finished => Status == "fanned_out" && Done >= Published;

    /// <summary>Deliveries of the run's statements not yet settled (pending, sending, retrying).</summary>
    public int DeliveriesInFlight => Deliveries.Where(d => d.Status is "pending" or "sending" or "retrying").Sum(d => d.Count);

    /// <summary>Deliveries that ended without reaching the holder on their channel (failed, or unknown after the provider's silence).</summary>
    public int FailedDeliveries => Deliveries.Where(d => d.Status is "failed" or "unknown").Sum(d => d.Count);

    /// <summary>Finished, and no delivery in flight either: nothing more happens without someone acting.</summary>
    public bool Complete => Finished && DeliveriesInFlight == 0;

    /// <summary>Nothing more happens until an account's own cut-off comes (in a time zone behind) or someone resumes one.</summary>
    public bool Settled => Status == "fanned_out" && Done + Waiting >= Published;
}

/// <summary>Where a run stands, from its row and its sagas' states (one grouped read over the run's index).</summary>
public sealed class BillingRunProgress(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A gap longer than this between accounts finishing is idle time, left out of the rate: an operator's resume an hour
    /// after the run would otherwise average the run's rate over the hour in between.
    /// </summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(60);

    public async Task<BillingRunView?> Get(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("""
                    select statement_date, status, trigger, total, published, started_at, fanned_out_at, now(), stalled_since, stalled_in_flight
                    from billing.billing_run where run_id = $1
                    """) { Parameters = { new() { Value = runId } } },
                new("""
                    select current_state, step, halt_reason, count(*)::int, max(finished_at)
                    from billing.account_billing where run_id = $1 group by 1, 2, 3 order by 1, 2, 3
                    """) { Parameters = { new() { Value = runId } } },
                new("""
                    select d.channel, d.status, count(*)::int
                    from billing.statement s join billing.delivery d using (statement_id)
                    where s.run_id = $1 group by 1, 2 order by 1, 2
                    """) { Parameters = { new() { Value = runId } } },
                // The run's active seconds: its start and every second in which an account finished, the gaps between them
                // summed where they are no longer than IdleAfter (a hash of distinct seconds, then a window over those).
                new("""
                    with t as (
                        select distinct date_trunc('second', finished_at) as s from billing.account_billing where run_id = $1 and finished_at is not null
                        union select date_trunc('second', started_at) from billing.billing_run where run_id = $1),
                    g as (select s - lag(s) over (order by s) as gap from t)
                    select coalesce(extract(epoch from sum(gap) filter (where gap <= $2)), 0)::float8 from g
                    """) { Parameters = { new() { Value = runId }, new() { Value = IdleAfter } } },
                new("""
                    select delivery_status, count(*)::int from billing.statement
                    where run_id = $1 and delivery_status is not null group by 1 order by 1
                    """) { Parameters = { new() { Value = runId } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var (date, status, trigger, total, published) = (reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2),
            reader.GetInt32(3), reader.GetInt32(4));
        var (startedAt, fannedOutAt, now) = (reader.GetFieldValue<DateTimeOffset>(5),
            reader.IsDBNull(6) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7));
        DateTimeOffset? stalledSince = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8);
        int? stalledInFlight = reader.IsDBNull(9) ? null : reader.GetInt32(9);

        await reader.NextResultAsync(cancellationToken);
        var counts = new List<StepCount>();
        DateTimeOffset? lastFinished = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new StepCount(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3)));
            if (!reader.IsDBNull(4) && (lastFinished is null || reader.GetFieldValue<DateTimeOffset>(4) > lastFinished))
                lastFinished = reader.GetFieldValue<DateTimeOffset>(4);
        }

        await reader.NextResultAsync(cancellationToken);
        var deliveries = new List<DeliveryCount>();
        while (await reader.ReadAsync(cancellationToken))
            deliveries.Add(new DeliveryCount(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var activeSeconds = reader.GetDouble(0);

        await reader.NextResultAsync(cancellationToken);
        var outcomes = new Dictionary<string, int>();
        while (await reader.ReadAsync(cancellationToken))
            outcomes[reader.GetString(0)] = reader.GetInt32(1);

        int Sum(string state) => counts.Where(c => c.State == state).Sum(c => c.Count);
        var delivered = Sum(RunStates.Delivered);
        var (ready, halted, waiting) = (Sum(RunStates.Ready) + delivered, Sum(RunStates.Halted), Sum(RunStates.WaitingForCutoff));
        var done = ready + halted;
        var inFlight = RunStates.InFlight(published, counts.Where(c => RunStates.IsSettled(c.State)).Sum(c => c.Count));
        // The rate over the time the run was working: to its last account once done, not to the moment someone looks, and
        // without the idle gaps (a resume long after). A run still going counts the time since its last account, if short.
        var sinceLast = now - (lastFinished ?? startedAt);
        var elapsed = activeSeconds + (done < total && sinceLast <= IdleAfter ? sinceLast.TotalSeconds : 0);
        double? perSecond = done > 0 ? done / Math.Max(1, elapsed) : null;
        TimeSpan? eta = perSecond is { } rate && total > done ? TimeSpan.FromSeconds((total - done) / rate) : null;
        return new BillingRunView(runId, date, status, trigger, total, published, ready, halted, waiting,
            inFlight, done, perSecond, eta, startedAt, fannedOutAt, counts)
        {
            Delivered = delivered,
            Deliveries = deliveries,
            StalledSince = stalledSince,
            Warning = stalledSince is { } since
                ? $"Stalled since {since:yyyy-MM-dd HH:mm:ss} UTC: the fan-out waits for room, and none of the {stalledInFlight ?? inFlight:N0} " +
                  $"account(s) in flight has settled since (see the states and steps below; a step retrying on a schedule holds them)."
                : null,
            DeliveryOutcomes = outcomes,
        };
    }

    /// <summary>The statement date of a run, or null when there is no such run.</summary>
    public async Task<DateOnly?> DateOf(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select statement_date from billing.billing_run where run_id = $1", connection);
        command.Parameters.Add(new() { Value = runId });
        return await command.ExecuteScalarAsync(cancellationToken) is DateOnly date ? date : null;
    }

    /// <summary>Halted accounts in account order, a page after <paramref name="after"/>; of one step when given.</summary>
    public async Task<List<HaltedAccount>> Halted(Guid runId, string? step, string after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            select account_id, step, halt_reason, halt_detail, updated_at from billing.account_billing
            where run_id = $1 and current_state = 'Halted' and ($2::text is null or step = $2) and account_id > $3
            order by account_id limit $4
            """, connection);
        command.Parameters.Add(new() { Value = runId });
        command.Parameters.Add(new() { Value = (object?)step ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = limit });
        var page = new List<HaltedAccount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            page.Add(new HaltedAccount(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        return page;
    }

    /// <summary>The state of one account's billing (<see cref="BillingIds.Billing"/>), or null when there is none.</summary>
    public async Task<string?> StateOf(Guid billingId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("select current_state from billing.account_billing where correlation_id = $1", connection);
        command.Parameters.Add(new() { Value = billingId });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }
}

using Billing.Infrastructure.Postgres;
using Billing.Contracts.BillingRuns;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// Publishes one <see cref="BillAccount"/> per due account of an open run, in keyset pages, in every worker: a worker
/// takes a run with a lease (so one worker fans a run out at a time) and moves its cursor after each page is confirmed,
/// so a worker that dies leaves the run to another, which resumes after the last confirmed page. A page published
/// twice that way is harmless: each message's id is its saga's id, which the inbox knows, and the saga ignores a
/// second start. It waits while <see cref="BillingRunOptions.MaxInFlight"/> published accounts are still being billed,
/// so the queues hold a bounded amount of work and memory does not grow with the number of accounts. A paused run
/// (<see cref="Api.BillingRunActions.Pause"/>) is given up after the page in hand and taken again once it is continued.
/// </summary>
public sealed class BillingFanOutService(NpgsqlDataSource dataSource, IBus bus, IOptionsMonitor<BillingRunOptions> options,
    ILogger<BillingFanOutService> logger) : BackgroundService
{
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    readonly Guid _owner = NewId.NextGuid();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await FanOutOne(stoppingToken))
                    await Task.Delay(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or RequestTimeoutException or MassTransitException or TimeoutException)
            {
                // Postgres or the broker away: the lease runs out and this or another worker takes the run up again.
                logger.LogWarning("Billing fan-out paused: {Error}", e.Message);
                await Task.Delay(Poll, stoppingToken);
            }
        }
    }

    /// <summary>Fans out one run it could lease; false when no run is waiting.</summary>
    async Task<bool> FanOutOne(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Claim(connection, cancellationToken) is not { } run)
            return false;

        var (runId, date, day, account, published) = run;
        logger.LogInformation("Fanning out billing run {RunId} for {StatementDate} after {Published} account(s)", runId, date, published);
        var inFlight = new InFlightAccounts(runId, date, published);
        while (true)
        {
            var settings = options.CurrentValue;
            var page = await DueAccounts.Page(connection, date, day, account, settings.PageSize, cancellationToken);
            if (page.Count == 0)
            {
                await connection.ExecuteAsync(null, """
                    update billing.billing_run set status = 'fanned_out', fanned_out_at = now(), lease_owner = null, lease_until = null,
                        stalled_since = null, stalled_in_flight = null
                    where run_id = $1 and lease_owner = $2
                    """, cancellationToken, runId, _owner);
                logger.LogInformation("Billing run {RunId} fanned out: {Published} account(s)", runId, published);
                return true;
            }

            if (!await WaitForRoom(connection, runId, published, inFlight, settings.MaxInFlight, cancellationToken))
                return await Stopped(connection, runId);
            inFlight.Published(page.Select(a => a.AccountId));
            await Task.WhenAll(page.Select(a => bus.Publish(new BillAccount(runId, date, a.AccountId),
                c => c.MessageId = BillingIds.Billing(date, a.AccountId), cancellationToken)));

            (day, account) = page[^1];
            published += page.Count;
            if (await MoveCursor(connection, runId, day, account, published, cancellationToken) != "fanning_out")
                return await Stopped(connection, runId);
        }
    }

    async Task<(Guid RunId, DateOnly Date, int Day, string Account, int Published)?> Claim(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            update billing.billing_run set lease_owner = $1, lease_until = now() + $2
            where run_id = (select run_id from billing.billing_run
                            where status = 'fanning_out' and (lease_until is null or lease_until < now())
                            order by started_at limit 1 for update skip locked)
            returning run_id, statement_date, cursor_day, cursor_account_id, published
            """, connection);
        command.Parameters.Add(new() { Value = _owner });
        command.Parameters.Add(new() { Value = Lease });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return (reader.GetGuid(0), reader.GetFieldValue<DateOnly>(1), reader.GetInt16(2), reader.GetString(3), reader.GetInt32(4));
    }

    /// <summary>
    /// Waits while too many published accounts are still on their way (<see cref="RunStates"/> says which are settled);
    /// false when the run was paused or its lease lost meanwhile. A wait in which nothing settles for
    /// <see cref="BillingRunOptions.StallAfter"/> marks the run stalled (<see cref="RunStall"/>) until something does.
    /// </summary>
    async Task<bool> WaitForRoom(NpgsqlConnection connection, Guid runId, int published, InFlightAccounts inFlightAccounts, int maxInFlight,
        CancellationToken cancellationToken)
    {
        if (published < maxInFlight)
            return true;
        var stall = new RunStall(connection, runId, options.CurrentValue.StallAfter, logger);
        try
        {
            while (true)
            {
                var inFlight = await inFlightAccounts.Count(connection, cancellationToken);
                if (inFlight < maxInFlight)
                    return true;
                await stall.Observe(inFlight, cancellationToken);
                var held = await connection.ExecuteAsync(null, """
                    update billing.billing_run set lease_until = now() + $3 where run_id = $1 and lease_owner = $2 and status = 'fanning_out'
                    """, cancellationToken, runId, _owner, Lease);
                if (held == 0)
                    return false;
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
        finally
        {
            await stall.Clear();
        }
    }

    /// <summary>
    /// Records the page as published and returns the run's status, or null when the lease went to another worker. The
    /// cursor moves even when the run was paused meanwhile, so that continuing it starts after this page.
    /// </summary>
    async Task<string?> MoveCursor(NpgsqlConnection connection, Guid runId, int day, string account, int published, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            update billing.billing_run set cursor_day = $3, cursor_account_id = $4, published = $5, lease_until = now() + $6
            where run_id = $1 and lease_owner = $2
            returning status
            """, connection);
        command.Parameters.AddPositional(runId, _owner, (short)day, account, published, Lease);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Gives the run up: paused by an operator (the lease is let go for whoever continues it), or taken over.</summary>
    async Task<bool> Stopped(NpgsqlConnection connection, Guid runId)
    {
        var released = await connection.ExecuteAsync(null, """
            update billing.billing_run set lease_owner = null, lease_until = null where run_id = $1 and lease_owner = $2 and status = 'paused'
            """, CancellationToken.None, runId, _owner);
        if (released == 1)
            logger.LogInformation("Billing run {RunId} paused; its fan-out stops here", runId);
        else
            logger.LogWarning("Billing run {RunId}: the lease went to another worker; stopping here", runId);
        return true;
    }
}

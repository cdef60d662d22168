using Billing.Infrastructure.Messaging.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Messaging.Grouping;

/// <summary>
/// Several deliveries of one endpoint consumed in one transaction: one service scope (so one DbContext and one
/// <see cref="ConsumeTransaction"/>), its members run one after another, and one commit for all of them.
/// <para>
/// A member's writes reach Postgres before the next member reads (two events of one saga apply in order); the last
/// member's writes go with the COMMIT. If any member fails, or the commit does, nothing of the group is kept and every
/// member is consumed again on its own (<see cref="ConsumeGroupFilter{TDbContext}"/>), so a poison message fails alone
/// and takes no neighbour with it. No member returns, and so none is acknowledged, before the group's outcome is known.
/// </para>
/// </summary>
sealed class ConsumeGroup<TDbContext>(AsyncServiceScope scope, EndpointGrouping grouping, string endpoint, ILogger logger) : IConsumeGroup
    where TDbContext : DbContext
{
    readonly ConsumeTransaction _transaction = scope.ServiceProvider.GetRequiredService<ConsumeTransaction>();
    readonly SemaphoreSlim _turn = new(1, 1);
    readonly TaskCompletionSource<bool> _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<Action> _afterCommit = [];
    readonly Lock _gate = new();
    int _joined;
    int _finished;
    bool _open = true;
    bool _failed;
    Exception? _spoiledBy;
    bool _begun;

    public IServiceScope Scope => scope;

    /// <summary>Takes one more member, unless the group is full or closing.</summary>
    public bool TryJoin()
    {
        lock (_gate)
        {
            if (!_open || _joined >= grouping.Size)
                return false;
            _joined++;
            return true;
        }
    }

    /// <summary>Something to do once the group committed (wake the outbox delivery, tell observers).</summary>
    public void AfterCommit(Action action)
    {
        lock (_afterCommit)
            _afterCommit.Add(action);
    }

    /// <summary>
    /// Runs a member that joined, in its turn, and answers whether the group committed it. False: nothing of it was
    /// kept, and the caller consumes it again on its own.
    /// </summary>
    public async Task<bool> Run(Func<Task> member)
    {
        await _turn.WaitAsync();
        var waitForMore = false;
        try
        {
            if (!_failed)
            {
                try
                {
                    await Prepare();
                    await member();
                }
                catch (Exception exception)
                {
                    // The member's own exception is seen again when it runs alone; here it only spoils the group.
                    _failed = true;
                    _spoiledBy = exception;
                }
            }

            bool close;
            lock (_gate)
            {
                _finished++;
                waitForMore = _finished == _joined && _joined < grouping.Size && grouping.Wait > TimeSpan.Zero && !_failed;
                close = _finished == _joined && !waitForMore;
                if (close)
                    _open = false;
            }

            if (close)
                await Close();
        }
        finally
        {
            _turn.Release();
        }

        if (waitForMore)
            await CloseUnlessJoined();

        return await _committed.Task;
    }

    // The first member opens the transaction; the next ones first send what the previous member wrote.
    async Task Prepare()
    {
        if (_begun)
        {
            await _transaction.Flush(CancellationToken.None);
            return;
        }

        await _transaction.Begin(scope.ServiceProvider.GetRequiredService<TDbContext>(), CancellationToken.None);
        _begun = true;
    }

    // Waited for one more member: whoever finds the group complete and still open after its wait closes it.
    async Task CloseUnlessJoined()
    {
        await Task.Delay(grouping.Wait);
        lock (_gate)
        {
            if (!_open || _finished != _joined)
                return;
            _open = false;
        }

        await _turn.WaitAsync();
        try
        {
            await Close();
        }
        finally
        {
            _turn.Release();
        }
    }

    async Task Close()
    {
        var committed = false;
        try
        {
            if (_begun && !_failed)
            {
                await _transaction.Commit(CancellationToken.None);
                committed = true;
            }
        }
        catch (Exception exception)
        {
            // Unknown or failed: each member goes again alone, and its inbox row tells whether it was consumed.
            _spoiledBy = exception;
        }
        finally
        {
            await _transaction.End();
        }

        if (committed)
        {
            foreach (var action in _afterCommit)
                action();
        }

        await scope.DisposeAsync();
        ConsumeGroupMetrics.Closed(endpoint, _joined, committed);
        if (!committed && _spoiledBy is not null)
            logger.LogInformation("A consume group of {Members} on {Endpoint} gave its messages back to be consumed alone: {Reason}",
                _joined, endpoint, _spoiledBy.GetBaseException().Message);
        _committed.SetResult(committed);
    }
}

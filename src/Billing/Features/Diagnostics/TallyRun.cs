using Billing.Contracts.Diagnostics;
using MassTransit;
using Npgsql;

namespace Billing.Features.Diagnostics;

/// <summary>The outcome of a tally run as read back from Postgres.</summary>
public record TallyRunResult(int Tallies, int Completed, int ExactlyApplied, int Receipts, int ReceiptsWithOneEffect);

/// <summary>
/// Starts tallies (each opened once and added to <c>additions</c> times, all published concurrently) and
/// reads back what the workers made of them. Shared by the demo, the tests and the benchmark.
/// </summary>
public sealed class TallyRun(IPublishEndpoint publisher, NpgsqlDataSource dataSource, int tallies, int additions)
{
    public IReadOnlyList<Guid> TallyIds { get; } = Enumerable.Range(0, tallies).Select(_ => NewId.NextGuid()).ToList();

    public int Additions => additions;

    /// <summary>Saga transitions this run causes: one open plus the additions, per tally.</summary>
    public int Transitions => TallyIds.Count * (additions + 1);

    public async Task Publish(CancellationToken cancellationToken)
    {
        // Additions before the open on purpose: whichever message arrives first must create the saga.
        var messages = TallyIds.SelectMany(id => Enumerable.Range(1, additions)
                .Select(seq => (object)new AddToTally { TallyId = id, Sequence = seq })
                .Append(new OpenTally { TallyId = id, ExpectedCount = additions }))
            .ToList();

        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (message, ct) => await publisher.Publish(message, message.GetType(), ct));
    }

    public async Task<int> CountReceipts(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select count(*) from diagnostics.tally_receipt where tally_id = any($1)");
        command.Parameters.AddWithValue(TallyIds.ToArray());
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>Polls until every tally has its receipt or the timeout passes; reports progress as receipts arrive.</summary>
    public async Task<bool> WaitForReceipts(TimeSpan timeout, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var receipts = await CountReceipts(cancellationToken);
            progress?.Report(receipts);
            if (receipts == TallyIds.Count)
                return true;
            await Task.Delay(200, cancellationToken);
        }

        return false;
    }

    public async Task<TallyRunResult> Read(CancellationToken cancellationToken)
    {
        // "Exactly applied": the sequence numbers 1..n each appear once, no more, no fewer.
        await using var command = dataSource.CreateCommand("""
            select
                count(*),
                count(*) filter (where s.current_state = 'Completed'),
                count(*) filter (where array_length(s.applied, 1) = $2
                                   and (select count(distinct a) from unnest(s.applied) a) = $2
                                   and (select min(a) from unnest(s.applied) a) = 1
                                   and (select max(a) from unnest(s.applied) a) = $2),
                count(r.tally_id),
                count(r.tally_id) filter (where r.effects = 1)
            from diagnostics.tally_state s
            left join diagnostics.tally_receipt r on r.tally_id = s.correlation_id
            where s.correlation_id = any($1)
            """);
        command.Parameters.AddWithValue(TallyIds.ToArray());
        command.Parameters.AddWithValue(additions);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TallyRunResult(TallyIds.Count, (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4));
    }
}

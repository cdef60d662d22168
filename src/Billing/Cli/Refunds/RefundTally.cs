using Npgsql;

namespace Billing.Cli.Refunds;

/// <summary>Where a batch of refunds (all requested by one tag) stands, read from the saga table.</summary>
public sealed record RefundTally(int Total, int InFlight, int Refunded, int Failed, int NeedsSupport, int FirstTry, int AfterRetries,
    int ByReconciler, int ByHand)
{
    public int Settled => Total - InFlight;

    public static async Task<RefundTally> Read(NpgsqlDataSource dataSource, string requestedBy, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select count(*)::int,
                   count(*) filter (where current_state in ('Attempting', 'Retrying', 'Reconciling', 'RetryingManually', 'Resolving'))::int,
                   count(*) filter (where current_state = 'Refunded')::int,
                   count(*) filter (where current_state = 'Failed')::int,
                   count(*) filter (where current_state = 'NeedsSupport')::int,
                   count(*) filter (where current_state = 'Refunded' and paid.lane = 'fast')::int,
                   count(*) filter (where current_state = 'Refunded' and paid.lane in ('slow', 'resolve'))::int,
                   count(*) filter (where current_state = 'Refunded' and paid.lane = 'reconcile')::int,
                   count(*) filter (where current_state = 'Refunded' and paid.lane = 'manual')::int
            from refunds.refund r
            left join lateral (
                select lane from refunds.refund_attempt a where a.refund_id = r.correlation_id and a.outcome = 'paid' limit 1) paid on true
            where r.requested_by = $1
            """);
        command.Parameters.AddWithValue(requestedBy);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new RefundTally(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
            reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8));
    }
}

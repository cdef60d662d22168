using Billing.Contracts.Refunds;
using Npgsql;

namespace Billing.Features.Refunds.Lanes;

/// <summary>What a lane needs to know of the refund before it calls the provider, read in one query.</summary>
public sealed record RefundRow(string State, int KeyGeneration, int AttemptCount)
{
    /// <summary>The saga state that waits for an attempt from this lane.</summary>
    static string StateOf(string lane) => lane switch
    {
        RefundLanes.Fast => "Attempting",
        RefundLanes.Slow => "Retrying",
        RefundLanes.Reconcile => "Reconciling",
        RefundLanes.Manual => "RetryingManually",
        RefundLanes.Resolve => "Resolving",
        _ => "",
    };

    /// <summary>
    /// The attempt is the one the refund waits for: its state waits for this lane and no attempt with this number or a
    /// later one has been applied. Anything else (a slow attempt after a takeover, a copy replayed from an error queue,
    /// a repeat of an attempt already reported) would only risk a second payment.
    /// </summary>
    public bool Awaits(AttemptRefund attempt) => State == StateOf(attempt.Lane) && attempt.AttemptNumber > AttemptCount;
}

/// <summary>Reads refunds' rows for the lanes, outside any transaction (the saga sends an attempt only after committing its row).</summary>
public sealed class RefundRows(NpgsqlDataSource dataSource)
{
    public async Task<RefundRow?> Find(Guid refundId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select current_state, key_generation, attempt_count from refunds.refund where correlation_id = $1");
        command.Parameters.AddWithValue(refundId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new RefundRow(reader.IsDBNull(0) ? "" : reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2))
            : null;
    }
}

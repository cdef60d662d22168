using Npgsql;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// Decides whether a refund's first fast attempt may pay without looking up: only the first worker ever to start it
/// (a row in refunds.first_attempt_claim). A redelivery after a crash, a copy the outbox sent again or a message
/// replayed from an error queue finds the row taken and asks the provider first, whatever its transport flags say,
/// so a payment is never repeated even past the provider's idempotency window.
/// </summary>
public sealed class FirstAttemptClaim(NpgsqlDataSource dataSource)
{
    public async Task<bool> TryClaim(Guid refundId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "insert into refunds.first_attempt_claim (refund_id) values ($1) on conflict do nothing");
        command.Parameters.AddWithValue(refundId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}

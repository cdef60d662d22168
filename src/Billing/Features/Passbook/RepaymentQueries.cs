using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>A stored repayment with its fingerprint, which tells a replay from a different payment under the same id.</summary>
/// <param name="ReportedAccountId">The account the gateway reported it under (the fingerprint's); the answer's is where it is now.</param>
/// <param name="MoveNo">How often it was moved to another account since.</param>
public sealed record StoredRepayment(string Fingerprint, RepaymentAnswer Answer, string ReportedAccountId, int MoveNo);

public static class RepaymentQueries
{
    public static async Task<StoredRepayment?> Find(NpgsqlConnection connection, NpgsqlTransaction? transaction, string gatewayPaymentId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select r.fingerprint, r.account_id, r.entry_id, r.amount, r.currency, r.method, r.paid_at, r.source,
                   x.refund_id, x.amount, x.status, x.detail, coalesce(r.reported_account_id, r.account_id), m.moves
            from billing.repayment r
            cross join lateral (select count(*)::int moves from billing.repayment_move m where m.gateway_payment_id = r.gateway_payment_id) m
            -- The excess of where the payment is now: after a move, the right account's own (or none).
            left join billing.excess_refund x on x.gateway_payment_id = r.gateway_payment_id and x.move_no = m.moves
            where r.gateway_payment_id = $1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = gatewayPaymentId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var excess = reader.IsDBNull(8)
            ? null
            : new ExcessRefundView(reader.GetGuid(8), gatewayPaymentId, PassbookMoney.Normalize(reader.GetDecimal(9), reader.GetString(4)), reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11));
        var answer = new RepaymentAnswer(gatewayPaymentId, reader.GetString(1), reader.GetInt64(2), PassbookMoney.Normalize(reader.GetDecimal(3), reader.GetString(4)), reader.GetString(4),
            reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), Replayed: false, excess);
        return new StoredRepayment(reader.GetString(0), answer, reader.GetString(12), reader.GetInt32(13));
    }
}

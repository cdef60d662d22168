using Billing.Infrastructure.Messaging.Outbox;
using MassTransit;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Features.Refunds.Saga;

/// <summary>
/// A refund's attempt row, written with the saga's own commit batch (<see cref="ConsumeTransaction.Write"/>) rather than
/// through EF's change tracker: no round trip of its own, and none of EF's per-entity work on the hot path (issue 22).
/// </summary>
static class RefundAttemptRows
{
    const string Insert = """
        insert into refunds.refund_attempt (refund_id, attempt_number, lane, method, outcome, error_code, error_message,
                                            provider_refund_id, looked_up, requested_by, attempted_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """;

    public static void Add(BehaviorContext<RefundState> x, RefundAttemptRecord row) =>
        x.GetServiceOrCreateInstance<ConsumeTransaction>().Write(new NpgsqlBatchCommand(Insert)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = row.RefundId },
                new NpgsqlParameter<int> { TypedValue = row.AttemptNumber },
                new NpgsqlParameter<string> { TypedValue = row.Lane },
                new NpgsqlParameter<string> { TypedValue = row.Method },
                new NpgsqlParameter<string> { TypedValue = row.Outcome },
                Text(row.ErrorCode),
                Text(row.ErrorMessage),
                Text(row.ProviderRefundId),
                new NpgsqlParameter<bool> { TypedValue = row.LookedUp },
                Text(row.RequestedBy),
                new NpgsqlParameter<DateTimeOffset> { TypedValue = row.AttemptedAt.ToUniversalTime() },
            },
        });

    static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Varchar };
}

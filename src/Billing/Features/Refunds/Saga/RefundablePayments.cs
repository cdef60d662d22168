using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Features.Refunds.Saga;

/// <summary>
/// The one statement that tells the refund service of a payment (refunds.payment, which intake checks refunds
/// against). Billing's repayment intake calls it inside its own transaction; the bus consumer calls it inside the
/// message's. The first record of a payment stands.
/// </summary>
public static class RefundablePayments
{
    const string RecordSql = """
        insert into refunds.payment (payment_id, amount, currency, method, paid_at)
        values ($1, $2, $3, $4, $5)
        on conflict (payment_id) do nothing
        """;

    public static async Task Record(NpgsqlConnection connection, NpgsqlTransaction? transaction, string paymentId, decimal amount,
        string currency, string method, DateTimeOffset paidAt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(RecordSql, connection, transaction);
        await Execute(command, paymentId, amount, currency, method, paidAt, cancellationToken);
    }

    /// <summary>On the DbContext's connection, inside its current transaction (a consumer's unit of work).</summary>
    public static async Task Record(DbContext db, string paymentId, decimal amount, string currency, string method, DateTimeOffset paidAt,
        CancellationToken cancellationToken)
    {
        await using var command = await db.CreateCommandAsync(RecordSql, cancellationToken);
        await Execute(command, paymentId, amount, currency, method, paidAt, cancellationToken);
    }

    static async Task Execute(NpgsqlCommand command, string paymentId, decimal amount, string currency, string method, DateTimeOffset paidAt,
        CancellationToken cancellationToken)
    {
        command.Parameters.Add(new() { Value = paymentId });
        command.Parameters.Add(new() { Value = amount });
        command.Parameters.Add(new() { Value = currency });
        command.Parameters.Add(new() { Value = method });
        command.Parameters.Add(new() { Value = paidAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

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
    // The first key of the two-key advisory lock on a payment id: any constant, the same for every instance.
    internal const int PaymentLockSpace = 0x52_6566;

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

    /// <summary>
    /// Part of a payment was taken back by its gateway (a chargeback): the refund service refunds at most what is left.
    /// Under the payment's lock, so a refund being decided at the same time is decided before or after it, not beside.
    /// At most the amount the refund service knows (the first record of a payment stands, and may be another system's).
    /// </summary>
    public static async Task Reverse(NpgsqlConnection connection, NpgsqlTransaction transaction, string paymentId, decimal amount,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction, "select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken, PaymentLockSpace, paymentId);
        await connection.ExecuteAsync(transaction, "update refunds.payment set reversed = least(amount, reversed + $2) where payment_id = $1", cancellationToken,
            paymentId, amount);
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

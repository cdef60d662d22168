using Npgsql;

namespace Billing.Features.Passbook;

/// <param name="Balance">What the account owes now: the sum of its passbook entries (negative: in credit).</param>
/// <param name="Credit">What the account is in credit by (0 unless overpaid), refunds still out included.</param>
/// <param name="DueNow">The last statement's minimum due less the repayments booked after its cut-off, at least 0.</param>
/// <param name="ExcessRefunds">Excesses not paid out yet: in flight (pending, requested) or held as credit (failed, rejected).</param>
public sealed record BalanceView(string AccountId, string? Currency, decimal Balance, decimal Credit, StatementSummary? LastStatement,
    decimal DueNow, decimal ExcessRefundsInFlight, IReadOnlyList<ExcessRefundView> ExcessRefunds);

public sealed record StatementSummary(Guid StatementId, DateOnly StatementDate, DateTimeOffset Cutoff, decimal ClosingBalance,
    decimal MinimumDue, DateOnly DueDate, decimal RepaidSinceCutoff);

/// <summary>GET /accounts/{accountId}/balance: the passbook's balance and what is due now; 404 for an unknown account.</summary>
public static class BalanceEndpoint
{
    public static async Task<IResult> Handle(string accountId, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await Read(dataSource, accountId, cancellationToken) is { } balance
            ? Results.Ok(balance)
            : Results.Problem($"No account '{accountId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown account");

    /// <summary>The balance and what is due now, as the endpoint answers it (the dashboard's account page shows the same); null for an unknown account.</summary>
    public static async Task<BalanceView?> Read(NpgsqlDataSource dataSource, string accountId, CancellationToken cancellationToken)
    {
        // One snapshot for the balance, the statement and the excesses, so they agree with each other.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

        await using var command = new NpgsqlCommand("""
            select l.currency,
                   coalesce((select sum(p.amount) from billing.passbook_entry p where p.account_id = a.account_id), 0),
                   s.statement_id, s.statement_date, s.cutoff, s.closing_balance, s.minimum_due, s.due_date,
                   coalesce((select -sum(p.amount) from billing.passbook_entry p
                             where p.account_id = a.account_id and p.kind = 'repayment' and p.booked_at >= s.cutoff), 0)
            from billing.account a
            left join billing.loan l on l.account_id = a.account_id
            left join lateral (
                select * from billing.statement s where s.account_id = a.account_id and s.status in ('ready', 'imported') and s.corrects_statement_id is null
                order by s.statement_date desc limit 1) s on true
            where a.account_id = $1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = accountId });

        string? currency;
        decimal balance;
        StatementSummary? statement = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return null;
            currency = reader.IsDBNull(0) ? null : reader.GetString(0);
            var money = (decimal amount) => currency is null ? amount : PassbookMoney.Normalize(amount, currency);
            balance = money(reader.GetDecimal(1));
            if (!reader.IsDBNull(2))
                statement = new StatementSummary(reader.GetGuid(2), reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateTimeOffset>(4),
                    money(reader.GetDecimal(5)), money(reader.GetDecimal(6)), reader.GetFieldValue<DateOnly>(7), money(reader.GetDecimal(8)));
        }

        var excesses = await Excesses(connection, transaction, accountId, cancellationToken);
        var zero = currency is null ? 0m : PassbookMoney.Normalize(0, currency);
        var dueNow = statement is null ? zero : Math.Max(zero, statement.MinimumDue - statement.RepaidSinceCutoff);
        var inFlight = excesses.Where(x => x.Status is "pending" or "requested" or "cancelling").Sum(x => x.Amount);
        return new BalanceView(accountId, currency, balance, Math.Max(zero, -balance), statement, dueNow, zero + inFlight, excesses);
    }

    static async Task<List<ExcessRefundView>> Excesses(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select refund_id, gateway_payment_id, amount, currency, status, detail from billing.excess_refund
            where account_id = $1 and status <> 'refunded' order by created_at
            """, connection, transaction);
        command.Parameters.Add(new() { Value = accountId });
        var excesses = new List<ExcessRefundView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            excesses.Add(new ExcessRefundView(reader.GetGuid(0), reader.GetString(1), PassbookMoney.Normalize(reader.GetDecimal(2), reader.GetString(3)),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        return excesses;
    }
}

using Billing.Infrastructure.Postgres;
using Billing.Infrastructure.Messaging.Outbox;
using Npgsql;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// The reads of a billing, inside its consume transaction: two round trips per account, each a batch. The account's
/// loan row is held (other billings and imports of it wait); a repayment arriving meanwhile is neither blocked nor seen
/// (it is booked after the cut-off).
/// </summary>
public static class AccountReads
{
    public static async Task<(AccountProfile? Account, LoanRow? Loan, PriorStatement? Previous, DateOnly? LatestStatement)> Account(ConsumeTransaction tx,
        string accountId, DateOnly statementDate, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(tx.Connection, tx.Transaction);
        // One billing of an account at a time, and never beside an import writing to it (issue 19, M4 and W1): the loan
        // row is held to the commit, and the reads after it see what the other committed (read committed: a snapshot per
        // statement). Repayments read the loan without locking it, so they never wait on a billing.
        batch.BatchCommands.Add(PositionalParameters.BatchCommand(
            "select count(*) from (select 1 from billing.loan where account_id = $1 for no key update) held", accountId));
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
            select a.account_id, a.name, a.email, a.phone, a.sms_opt_in, a.email_opt_in, a.whatsapp_opt_in, a.locale,
                   l.currency, l.credit_limit, l.apr, l.day_count, l.statement_day, l.time_zone, l.minimum_percent,
                   l.minimum_floor, l.late_fee, l.due_days, l.opened_on
            from billing.account a left join billing.loan l using (account_id)
            where a.account_id = $1
            """, accountId));
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
            select statement_id, statement_date, cutoff, closing_balance, minimum_due, due_date, created_at
            from billing.statement where account_id = $1 and statement_date < $2 and corrects_statement_id is null
            order by statement_date desc limit 1
            """, accountId, statementDate));
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("select max(statement_date) from billing.statement where account_id = $1 and corrects_statement_id is null", accountId));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        AccountProfile? account = null;
        LoanRow? loan = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            account = new AccountProfile(reader.GetString(0), reader.GetString(1), Text(reader, 2), Text(reader, 3), reader.GetBoolean(4),
                reader.GetBoolean(5), reader.GetBoolean(6), reader.GetString(7));
            if (!reader.IsDBNull(8))
                loan = new LoanRow(reader.GetString(8), reader.GetDecimal(9), reader.GetDecimal(10), reader.GetString(11), reader.GetInt16(12),
                    reader.GetString(13), reader.GetDecimal(14), reader.GetDecimal(15), reader.GetDecimal(16), reader.GetInt16(17),
                    reader.GetFieldValue<DateOnly>(18));
        }

        await reader.NextResultAsync(cancellationToken);
        PriorStatement? previous = null;
        if (await reader.ReadAsync(cancellationToken))
            previous = new PriorStatement(reader.GetGuid(0), reader.GetFieldValue<DateOnly>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetDecimal(3), reader.GetDecimal(4), reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateTimeOffset>(6));

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        DateOnly? latest = reader.IsDBNull(0) ? null : reader.GetFieldValue<DateOnly>(0);
        return (account, loan, previous, latest);
    }

    /// <summary>
    /// The entries this statement shows: those booked in [start, cut-off) that no statement posted (a statement's own
    /// interest and fee are in its closing balance already), and late postings: booked before the start but recorded after
    /// the previous statement was written (an import of old entries), so on no statement yet. With them the two sums the
    /// opening balance and the reconciliation need, in the same statement, so the same snapshot as the entries.
    /// </summary>
    /// <param name="previousWrittenAt">When the previous statement was written; null for a first statement.</param>
    public static async Task<PeriodLedger> Period(ConsumeTransaction tx, string accountId, DateTimeOffset start, DateTimeOffset cutoff,
        DateTimeOffset? previousWrittenAt, CancellationToken cancellationToken)
    {
        await using var command = tx.Command("""
            select kind, amount, currency, booked_at, occurred_at, external_ref, null::numeric, null::numeric, entry_id, coalesce(description, '')
            from billing.passbook_entry
            where account_id = $1 and booked_at < $3 and statement_id is null
              and (booked_at >= $2 or recorded_at > $4::timestamptz)
            union all
            select null, null, null, null, null, null,
                   coalesce(sum(amount) filter (where booked_at < $2 and not coalesce(recorded_at > $4::timestamptz, false)), 0),
                   coalesce(sum(amount), 0), null, null
            from billing.passbook_entry where account_id = $1 and booked_at < $3
            """);
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = cutoff });
        command.Parameters.Add(new() { Value = (object?)previousWrittenAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<PassbookRow>();
        decimal beforeStart = 0, total = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(0))
            {
                (beforeStart, total) = (reader.GetDecimal(6), reader.GetDecimal(7));
                continue;
            }

            entries.Add(new PassbookRow(reader.GetString(0), reader.GetDecimal(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5), reader.GetInt64(8),
                reader.GetString(9)));
        }

        // In the order the statement lists them (StatementLines).
        entries.Sort((a, b) => a.BookedAt != b.BookedAt ? a.BookedAt.CompareTo(b.BookedAt) : a.EntryId.CompareTo(b.EntryId));
        return new PeriodLedger(start, entries, beforeStart, total);
    }

    static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// The accounts due on a statement date: their statement day is the date's day, or, on a month's last day, any day past
/// it (a loan billed on the 31st is billed on 30 April). Read in keyset pages on (statement_day, account_id), so memory
/// stays the same however many accounts there are.
/// </summary>
public static class DueAccounts
{
    public static int[] StatementDays(DateOnly date)
    {
        var last = DateTime.DaysInMonth(date.Year, date.Month);
        return date.Day < last ? [date.Day] : Enumerable.Range(date.Day, 32 - date.Day).ToArray();
    }

    /// <summary>The next page after (<paramref name="afterDay"/>, <paramref name="afterAccount"/>), in key order.</summary>
    public static async Task<List<(int Day, string AccountId)>> Page(NpgsqlConnection connection, DateOnly date, int afterDay, string afterAccount,
        int size, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select statement_day, account_id from billing.loan
            where statement_day = any($1) and (statement_day, account_id) > ($2, $3) and opened_on < $4
            order by statement_day, account_id
            limit $5
            """, connection);
        command.Parameters.Add(new() { Value = StatementDays(date) });
        command.Parameters.Add(new() { Value = (short)afterDay });
        command.Parameters.Add(new() { Value = afterAccount });
        command.Parameters.Add(new() { Value = date });
        command.Parameters.Add(new() { Value = size });
        var page = new List<(int, string)>(size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            page.Add((reader.GetInt16(0), reader.GetString(1)));
        return page;
    }
}

using System.Text;
using Billing.Features.Accounts;
using Billing.Tests.Support;
using Npgsql;

namespace Billing.Tests.Accounts;

/// <summary>Imports into a test ground and reads back what the tables hold, in the words of the account tests.</summary>
static class AccountGround
{
    public static Task<ImportReport> ImportJson(this TestGround ground, string json) =>
        new AccountImporter(ground.DataSource).Import(JsonAccountsReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));

    public static Task<ImportReport> ImportCsv(this TestGround ground, params string[] files) =>
        new AccountImporter(ground.DataSource).Import(Concat(files.Select((f, i) => AccountsCsv.Read(new MemoryStream(Encoding.UTF8.GetBytes(f)), $"file{i + 1}.csv"))));

    static async IAsyncEnumerable<ImportRow> Concat(IEnumerable<IAsyncEnumerable<ImportRow>> sources)
    {
        foreach (var source in sources)
            await foreach (var row in source)
                yield return row;
    }

    /// <summary>Every row of the four tables an import writes, timestamps included, as text: equal means nothing changed.</summary>
    public static async Task<string> Everything(this TestGround ground) =>
        string.Join("\n",
            await ground.Lines("select a::text from billing.account a order by account_id"),
            await ground.Lines("select l::text from billing.loan l order by account_id"),
            await ground.Lines("select s::text from billing.statement s order by account_id, statement_date"),
            await ground.Lines("select p::text from billing.passbook_entry p order by entry_id"));

    public static async Task<string> Row(this TestGround ground, string accountId) =>
        await ground.Lines($"select a::text || l::text from billing.account a join billing.loan l using (account_id) where account_id = '{accountId}'");

    /// <summary>The rows without their clocks and ids, to compare two grounds loaded from the same accounts.</summary>
    public static async Task<string> Content(this TestGround ground) =>
        string.Join("\n",
            await ground.Lines("select (account_id, name, email, phone, sms_opt_in, email_opt_in, whatsapp_opt_in, locale)::text from billing.account order by account_id"),
            await ground.Lines("select (account_id, currency, credit_limit, apr, day_count, statement_day, time_zone, minimum_percent, minimum_floor, late_fee, due_days, opened_on)::text from billing.loan order by account_id"),
            await ground.Lines("select (statement_id, account_id, statement_date, status, period_start, closing_balance, minimum_due, due_date)::text from billing.statement order by statement_id"),
            await ground.Lines("select (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)::text from billing.passbook_entry order by external_ref"));

    public static async Task<long> Count(this TestGround ground, string table)
    {
        await using var command = ground.DataSource.CreateCommand($"select count(*) from {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<long> RowsWritten(this TestGround ground) =>
        await ground.Count("billing.account") + await ground.Count("billing.loan") + await ground.Count("billing.statement") + await ground.Count("billing.passbook_entry");

    static async Task<string> Lines(this TestGround ground, string sql)
    {
        await using var command = ground.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new StringBuilder();
        while (await reader.ReadAsync())
            lines.AppendLine(reader.GetString(0));
        return lines.ToString();
    }

    public static async Task<NpgsqlDataReader> Query(this TestGround ground, string sql)
    {
        var command = ground.DataSource.CreateCommand(sql);
        var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue($"a row from: {sql}");
        return reader;
    }
}

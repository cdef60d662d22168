using Billing.Tests.Support;

namespace Billing.Tests.Accounts;

/// <summary>
/// Hostile or careless files: each is refused whole, naming the row and the reason, and nothing is written. Until
/// these, a NUL in a name or id failed the import in Postgres (22021: a 500 from POST /accounts/import), a stray quote
/// escaped the CSV reader's row handling as CsvHelper's BadDataException, and the JSON format took a time without an
/// offset that the CSV format and docs/accounts.md refuse.
/// </summary>
public sealed class ImportRefusalTests
{
    const string Accounts = """
        account_id,name,email,phone,currency,credit_limit,apr,statement_day,time_zone,opened_on
        acc-1,Anna Berg,,,SEK,20000,0.2,28,Europe/Stockholm,2024-05-01
        """;

    [Fact]
    public async Task Names_ids_and_texts_holding_a_control_character_are_refused_with_the_field_in_both_formats()
    {
        await using var ground = await TestGround.Create();
        var json = await ground.ImportJson("""
            { "accounts": [
              { "accountId": "acc-\u0000", "name": "Anna", "loan": { "currency": "SEK", "creditLimit": 1, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" } },
              { "accountId": "acc-2", "name": "Erik\u0000Berg", "loan": { "currency": "SEK", "creditLimit": 1, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/\u0000", "openedOn": "2024-05-01" } },
              { "accountId": "acc-3", "name": "Ola", "loan": { "currency": "SEK", "creditLimit": 1, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" },
                "entries": [ { "ref": "p-\u001b", "kind": "purchase", "amount": 10, "occurredAt": "2026-11-01T10:00:00Z", "description": "tab\tand\r\nnew line are text" } ] }
            ] }
            """);
        var csv = await ground.ImportCsv(Accounts.Replace("Anna Berg", "Anna\0Berg") + "\nacc-2,Erik Berg,,,SEK,20000,0.2,28,Europe/Stockholm,2024-05-01",
            "account_id,ref,kind,amount,occurred_at,description\nacc-2,p-1,purchase,10,2026-11-01T10:00:00Z,a\u0007bell\n");

        var refused = json.Rejected.Concat(csv.Rejected).ToDictionary(r => r.Where, r => r.Reason);
        refused["test.json accounts[0] (acc-\0)"].ShouldContain("accountId holds the control character U+0000");
        refused["test.json accounts[1] (acc-2)"].ShouldContain("name holds the control character U+0000");
        refused["test.json accounts[1] (acc-2)"].ShouldContain("loan.timeZone holds the control character U+0000");
        refused["test.json accounts[2] (acc-3) entries[0] (p-\u001b)"].ShouldBe(
            "ref holds the control character U+001B at position 3; text may hold tab, line feed and carriage return but no other control character");
        refused["file1.csv line 2 (acc-1)"].ShouldContain("name holds the control character U+0000");
        refused["file2.csv line 2 (p-1)"].ShouldContain("description holds the control character U+0007");
        refused.Count.ShouldBe(5, "the tab, carriage return and line feed in a description pass");
        (await ground.RowsWritten()).ShouldBe(0);
    }

    [Fact]
    public async Task A_csv_field_with_a_stray_quote_is_refused_with_its_line_and_nothing_is_imported()
    {
        await using var ground = await TestGround.Create();

        var report = await ground.ImportCsv(Accounts,
            "account_id,ref,kind,amount,occurred_at,description\nacc-1,p-1,purchase,10,2026-11-01T10:00:00Z,fine\nacc-1,p-2,purchase,10,2026-11-01T10:00:00Z,say \"hi\" there\n");

        report.Written.ShouldBeFalse();
        report.Rejected.ShouldHaveSingleItem().Where.ShouldStartWith("file2.csv line 3");
        report.Rejected.Single().Reason.ShouldContain("not quoted as a whole");
        (await ground.RowsWritten()).ShouldBe(0);
    }

    [Fact]
    public async Task A_json_entry_time_without_a_utc_offset_is_refused_as_in_csv()
    {
        await using var ground = await TestGround.Create();

        var report = await ground.ImportJson("""
            { "accounts": [ { "accountId": "acc-1", "name": "Anna", "loan": { "currency": "SEK", "creditLimit": 1, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" },
              "entries": [ { "ref": "p-1", "kind": "purchase", "amount": 10, "occurredAt": "2026-11-01T10:00:00" } ] } ] }
            """);

        report.Written.ShouldBeFalse();
        report.Rejected.ShouldHaveSingleItem().Reason.ShouldContain("a time must be a time with its UTC offset (2026-01-31T09:30:00Z)");
        (await ground.RowsWritten()).ShouldBe(0);
    }
}

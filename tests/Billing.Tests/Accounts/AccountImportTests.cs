using Billing.Features.Accounts;
using Billing.Tests.Support;
using Npgsql;

namespace Billing.Tests.Accounts;

public class AccountImportTests
{
    const string TwoAccounts = """
        { "accounts": [
          { "accountId": "acc-1", "name": "Anna Berg", "email": "anna@example.com", "phone": "+46701234567", "whatsAppOptIn": true,
            "loan": { "currency": "SEK", "creditLimit": 20000, "apr": 0.2450, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" },
            "previousStatement": { "statementDate": "2026-10-28", "closingBalance": 1200.50, "minimumDue": 150, "dueDate": "2026-11-22" },
            "entries": [
              { "ref": "p-1", "kind": "purchase", "amount": 1200.50, "occurredAt": "2026-10-20T12:00:00+02:00", "description": "IKEA" },
              { "ref": "r-1", "kind": "adjustment", "amount": -100, "occurredAt": "2026-11-10T08:00:00Z" } ] },
          { "accountId": "acc-2", "name": "Léa Dubois", "email": null, "phone": "+33612345678", "locale": "fr-FR",
            "loan": { "currency": "EUR", "creditLimit": 3000.25, "apr": 0.19, "dayCount": "30/360", "statementDay": 31, "timeZone": "Europe/Paris",
                      "minimumPercent": 0.02, "minimumFloor": 15, "lateFee": 6, "dueDays": 21, "openedOn": "2025-02-03" },
            "entries": [] } ] }
        """;

    [Fact]
    public async Task Importing_json_creates_the_accounts_loans_previous_statement_and_entries_booked_when_they_occurred()
    {
        await using var ground = await TestGround.Create();

        var report = await ground.ImportJson(TwoAccounts);

        report.ShouldBe(new ImportReport { Written = true, AccountsCreated = 2, StatementsCreated = 1, EntriesAdded = 2 }, report.ToString());
        await using (var loan = await ground.Query("select currency, credit_limit, apr, day_count, statement_day, due_days, minimum_floor, late_fee from billing.loan where account_id = 'acc-1'"))
        {
            (loan.GetString(0), loan.GetDecimal(1), loan.GetDecimal(2), loan.GetString(3), loan.GetInt16(4)).ShouldBe(("SEK", 20000m, 0.245m, "actual/365", (short)28));
            (loan.GetInt16(5), loan.GetDecimal(6), loan.GetDecimal(7)).ShouldBe(((short)25, 35m, 25m), "left out: the schema's defaults");
        }

        await using (var account = await ground.Query("select email, sms_opt_in, whatsapp_opt_in, locale from billing.account where account_id = 'acc-2'"))
            (account.IsDBNull(0), account.GetBoolean(1), account.GetBoolean(2), account.GetString(3)).ShouldBe((true, true, false, "fr-FR"));

        await using (var statement = await ground.Query("select statement_id, status, closing_balance, minimum_due, due_date, period_start, cutoff, currency from billing.statement"))
        {
            statement.GetGuid(0).ShouldBe(AccountImporter.StatementIdFor("acc-1", new DateOnly(2026, 10, 28)));
            (statement.GetString(1), statement.GetDecimal(2), statement.GetDecimal(3), statement.GetFieldValue<DateOnly>(4)).ShouldBe(("imported", 1200.50m, 150m, new DateOnly(2026, 11, 22)));
            statement.GetFieldValue<DateTime>(5).ShouldBe(new DateTime(2026, 10, 27, 23, 0, 0, DateTimeKind.Utc), "midnight in Stockholm (CET since 25 October) on the statement date");
            statement.GetFieldValue<DateTime>(6).ShouldBe(statement.GetFieldValue<DateTime>(5));
        }

        await using (var entry = await ground.Query("select kind, amount, currency, occurred_at, booked_at, description from billing.passbook_entry where external_ref = 'p-1'"))
        {
            (entry.GetString(0), entry.GetDecimal(1), entry.GetString(2), entry.GetString(5)).ShouldBe(("purchase", 1200.50m, "SEK", "IKEA"));
            entry.GetFieldValue<DateTime>(3).ShouldBe(new DateTime(2026, 10, 20, 10, 0, 0, DateTimeKind.Utc));
            entry.GetFieldValue<DateTime>(4).ShouldBe(entry.GetFieldValue<DateTime>(3), "history counts when it happened");
        }
    }

    [Fact]
    public async Task Importing_the_same_file_twice_changes_nothing_not_even_updated_at()
    {
        await using var ground = await TestGround.Create();
        await ground.ImportJson(TwoAccounts);
        var before = await ground.Everything();
        await Task.Delay(20); // now() moves on, so a rewritten row would show a new updated_at.

        var again = await ground.ImportJson(TwoAccounts);

        again.ShouldBe(new ImportReport { Written = true, AccountsUnchanged = 2, EntriesAlreadyPresent = 2 }, again.ToString());
        (await ground.Everything()).ShouldBe(before);
    }

    [Fact]
    public async Task Changing_one_accounts_name_updates_that_account_only()
    {
        await using var ground = await TestGround.Create();
        await ground.ImportJson(TwoAccounts);
        var annaBefore = await ground.Row("acc-1");

        var report = await ground.ImportJson(TwoAccounts.Replace("Léa Dubois", "Léa Martin"));

        report.ShouldBe(new ImportReport { Written = true, AccountsUpdated = 1, AccountsUnchanged = 1, EntriesAlreadyPresent = 2 }, report.ToString());
        (await ground.Row("acc-2")).ShouldContain("Léa Martin");
        (await ground.Row("acc-1")).ShouldBe(annaBefore, "her row and its updated_at are untouched");
    }

    [Fact]
    public async Task An_entry_whose_ref_is_booked_with_other_content_is_a_conflict_and_nothing_is_written()
    {
        await using var ground = await TestGround.Create();
        await ground.ImportJson(TwoAccounts);
        var before = await ground.Everything();

        // A new account (would be created) and an entry under a booked ref with another amount.
        var report = await ground.ImportJson(TwoAccounts
            .Replace("\"amount\": -100,", "\"amount\": -150,")
            .Replace("\"accountId\": \"acc-2\"", "\"accountId\": \"acc-3\""));

        report.Written.ShouldBeFalse();
        report.EntriesConflicting.ShouldBe(1);
        report.Conflicts.ShouldHaveSingleItem().Ref.ShouldBe("r-1");
        report.Conflicts[0].Reason.ShouldContain("-100.0000 SEK");
        (await ground.Everything()).ShouldBe(before, "acc-3 was not created either");
    }

    [Fact]
    public async Task One_ref_twice_in_a_file_with_different_content_is_a_conflict_but_identical_twice_is_one_entry()
    {
        await using var ground = await TestGround.Create();
        var twice = TwoAccounts.Replace("\"entries\": [] }", """
            "entries": [ { "ref": "x-1", "kind": "fee", "amount": 6, "occurredAt": "2026-11-01T00:00:00Z" },
                         { "ref": "x-1", "kind": "fee", "amount": 6.00, "occurredAt": "2026-11-01T00:00:00Z" } ] }
            """);

        var identical = await ground.ImportJson(twice);
        var different = await ground.ImportJson(twice.Replace("\"amount\": 6.00", "\"amount\": 7"));

        identical.ShouldBe(new ImportReport { Written = true, AccountsCreated = 2, StatementsCreated = 1, EntriesAdded = 3, EntriesAlreadyPresent = 1 }, identical.ToString());
        different.Written.ShouldBeFalse();
        different.Conflicts.ShouldContain(new Conflict("x-1", "the import has this ref twice with different content"));
    }

    [Fact]
    public async Task A_csv_file_with_bad_rows_is_rejected_whole_with_their_line_numbers_and_reasons()
    {
        await using var ground = await TestGround.Create();
        const string accounts = """
            account_id,name,email,phone,currency,credit_limit,apr,statement_day,time_zone,opened_on,due_days
            acc-1,Anna Berg,anna@example.com,,SEK,20000,0.2,28,Europe/Stockholm,2024-05-01,
            acc-2,"Berg, Erik",,+46701234567,XYZ,1000.123,0.2,32,Europe/Stockholm,2024-05-01,20
            acc-3,Ola Nordmann,,,NOK,abc,0.2,5,Mars/Olympus,2024-05-01,
            """;
        const string entries = """
            account_id,ref,kind,amount,occurred_at,description
            acc-1,e-1,purchase,10.00,2026-11-01T10:00:00Z,ok
            acc-1,e-2,refund,-10.00,2026-11-02T10:00:00Z,wrong sign
            acc-9,e-3,purchase,10.00,2026-11-02T10:00:00,no such account and no offset
            """;

        var report = await ground.ImportCsv(accounts, entries);

        report.Written.ShouldBeFalse();
        report.RejectedCount.ShouldBe(4);
        var rejected = report.Rejected.ToDictionary(r => r.Where, r => r.Reason);
        rejected["file1.csv line 3 (acc-2)"].ShouldContain("loan.currency 'XYZ' is not a known currency");
        rejected["file1.csv line 3 (acc-2)"].ShouldContain("loan.statementDay 32 is not between 1 and 31");
        rejected["file1.csv line 3 (acc-2)"].ShouldContain("loan.dueDays 20");
        rejected["file1.csv line 4"].ShouldBe("credit_limit 'abc' is not a number (12.50)");
        rejected["file2.csv line 3 (e-2)"].ShouldContain("of a refund must be positive");
        rejected["file2.csv line 4"].ShouldContain("occurred_at '2026-11-02T10:00:00' is not a time with its UTC offset");
        (await ground.RowsWritten()).ShouldBe(0, "acc-1 and e-1 were fine, and still nothing is written");
    }

    [Fact]
    public async Task Generated_accounts_imported_as_csv_give_the_same_rows_as_imported_as_json()
    {
        await using var fromJson = await TestGround.Create();
        await using var fromCsv = await TestGround.Create();
        var generated = AccountGenerator.Generate(2000, 5, new DateOnly(2026, 12, 31)).ToList();
        using var json = new MemoryStream();
        AccountFiles.WriteJson(json, generated);
        using StringWriter accountsCsv = new(), entriesCsv = new();
        AccountFiles.WriteCsv(accountsCsv, entriesCsv, generated);

        // Over 5 MB of JSON: the reader's buffer refills and grows many times on the way.
        json.Length.ShouldBeGreaterThan(1 << 22);
        var jsonReport = await new AccountImporter(fromJson.DataSource).Import(JsonAccountsReader.Read(new MemoryStream(json.ToArray()), "accounts.json"));
        var csvReport = await fromCsv.ImportCsv(accountsCsv.ToString(), entriesCsv.ToString());

        jsonReport.AccountsCreated.ShouldBe(2000, jsonReport.ToString());
        jsonReport.EntriesAdded.ShouldBe(generated.Sum(a => a.Entries!.Count));
        csvReport.ShouldBe(jsonReport);
        (await fromCsv.Content()).ShouldBe(await fromJson.Content());
    }

    [Fact]
    public async Task Entries_for_an_account_already_stored_import_on_their_own()
    {
        await using var ground = await TestGround.Create();
        await ground.ImportJson(TwoAccounts);

        var report = await ground.ImportCsv("""
            account_id,ref,kind,amount,occurred_at,description
            acc-2,e-9,purchase,12.34,2026-11-05T10:00:00+01:00,
            """);

        report.ShouldBe(new ImportReport { Written = true, EntriesAdded = 1 }, report.ToString());
        await using var entry = await ground.Query("select currency, description is null from billing.passbook_entry where external_ref = 'e-9'");
        (entry.GetString(0), entry.GetBoolean(1)).ShouldBe(("EUR", true), "the stored loan's currency; an empty field is no description");
    }

    [Fact]
    public async Task The_passbook_is_append_only_an_update_or_delete_of_an_imported_entry_fails()
    {
        await using var ground = await TestGround.Create();
        await ground.ImportJson(TwoAccounts);

        foreach (var sql in new[] { "update billing.passbook_entry set amount = 1 where external_ref = 'p-1'", "delete from billing.passbook_entry where external_ref = 'p-1'" })
        {
            await using var command = ground.DataSource.CreateCommand(sql);
            var refused = await Should.ThrowAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            refused.MessageText.ShouldContain("append-only");
        }

        (await ground.Count("billing.passbook_entry")).ShouldBe(2);
    }
}

using System.Text;
using Billing.Features.Accounts;

namespace Billing.Tests.Accounts;

public class AccountGeneratorTests
{
    static readonly DateOnly StatementDate = new(2026, 12, 31);

    static byte[] Json(int accounts, int seed, DateOnly? date = null)
    {
        using var stream = new MemoryStream();
        AccountFiles.WriteJson(stream, AccountGenerator.Generate(accounts, seed, date));
        return stream.ToArray();
    }

    static string Csv(int accounts, int seed)
    {
        using StringWriter accountsCsv = new(), entriesCsv = new();
        AccountFiles.WriteCsv(accountsCsv, entriesCsv, AccountGenerator.Generate(accounts, seed, StatementDate));
        return accountsCsv + "\n" + entriesCsv;
    }

    [Fact]
    public void The_same_count_and_seed_give_byte_identical_files_and_another_seed_other_files()
    {
        Json(300, 42, StatementDate).ShouldBe(Json(300, 42, StatementDate));
        Csv(300, 42).ShouldBe(Csv(300, 42));
        Json(300, 43, StatementDate).SequenceEqual(Json(300, 42, StatementDate)).ShouldBeFalse();
        Csv(300, 43).ShouldNotBe(Csv(300, 42));
        Json(300, 42).ShouldBe(Json(300, 42), "the default statement date is fixed, not today");
    }

    [Fact]
    public void A_smaller_run_is_the_start_of_a_larger_one()
    {
        var small = AccountGenerator.Generate(50, 7, StatementDate).Select(a => a.AccountId + a.Name + a.Entries!.Count);
        var large = AccountGenerator.Generate(500, 7, StatementDate).Take(50).Select(a => a.AccountId + a.Name + a.Entries!.Count);
        small.ShouldBe(large);
    }

    [Fact]
    public void Two_thousand_accounts_have_the_promised_variety_and_all_pass_the_import_rules()
    {
        var generated = AccountGenerator.GenerateWithRepayments(2000, 1, StatementDate).ToList();
        var accounts = generated.Select(g => g.Account).ToList();
        var repaid = generated.ToDictionary(g => g.Account.AccountId!, g => g.Repayments);
        decimal Balance(AccountInput a) => a.Entries!.Sum(e => e.Amount!.Value) - repaid[a.AccountId!].Sum(r => r.Amount);
        bool Overdue(AccountInput a) => a.PreviousStatement is { MinimumDue: > 0 } p
            && repaid[a.AccountId!].Where(r => DateOnly.FromDateTime(r.PaidAt.UtcDateTime) >= p.StatementDate).Sum(r => r.Amount) < p.MinimumDue;

        accounts.Select(a => a.AccountId).ShouldBe(Enumerable.Range(1, 2000).Select(i => $"acc-{i:D6}"));
        accounts.ShouldAllBe(a => a.Loan!.StatementDay == 31, "with a statement date, every account is billed on it");
        accounts.SelectMany(a => a.Entries!).ShouldAllBe(e => e.OccurredAt < new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero));
        var byCurrency = accounts.CountBy(a => a.Loan!.Currency!).ToDictionary();
        byCurrency["SEK"].ShouldBeGreaterThan(1400);
        byCurrency.Keys.Order().ShouldBe(["EUR", "NOK", "SEK", "USD"]);
        accounts.Select(a => a.Loan!.TimeZone).Distinct().ShouldBeSubsetOf(["Europe/Stockholm", "Europe/Berlin", "Europe/Helsinki", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Europe/Oslo", "Asia/Kolkata"]);
        accounts.Select(a => a.Loan!.TimeZone).Distinct().Count().ShouldBeGreaterThanOrEqualTo(7);

        accounts.Count(a => a.Email is null && a.Phone is null).ShouldBeInRange(8, 40, "about 1 % have no contact at all");
        accounts.Count(a => a.Email is null && a.Phone is not null).ShouldBeGreaterThan(100);
        accounts.Count(a => a.WhatsAppOptIn == false).ShouldBeGreaterThan(500);
        accounts.Count(a => a.SmsOptIn == false).ShouldBeGreaterThan(100);
        accounts.Count(Overdue).ShouldBeGreaterThan(100);
        accounts.Count(a => Balance(a) < 0).ShouldBeGreaterThan(30, "overpaid: a credit balance");
        accounts.Count(a => Balance(a) == 0).ShouldBeGreaterThan(50);
        accounts.Count(a => a.Entries!.Count >= 200).ShouldBeGreaterThanOrEqualTo(4, "a few with hundreds of transactions");
        accounts.Average(a => a.Entries!.Count).ShouldBeInRange(15, 25);

        accounts.SelectMany(a => AccountRules.Problems(a)).ShouldBeEmpty();
        accounts.SelectMany(a => a.Entries!.SelectMany(e => AccountRules.Problems(e, a.Loan!.Currency))).ShouldBeEmpty();
        // An import takes no repayment: the history's come beside the accounts, as the gateway would report them.
        var repayments = generated.SelectMany(g => g.Repayments.Select(r => (r, g.Account.Loan!.Currency))).ToList();
        repayments.Count.ShouldBeGreaterThan(1000);
        repayments.ShouldAllBe(x => x.r.Amount > 0 && x.r.Currency == x.Currency && x.r.Method == "card" && x.r.PaidAt < new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero));
        repayments.Select(x => x.r.GatewayPaymentId).ShouldBeUnique();
    }

    [Fact]
    public void Without_a_statement_date_statement_days_vary_over_the_whole_month_including_29_to_31()
    {
        var days = AccountGenerator.Generate(2000, 1).Select(a => a.Loan!.StatementDay!.Value).ToHashSet();
        days.Order().ShouldBe(Enumerable.Range(1, 31));
    }

    [Fact]
    public void The_generated_json_reads_back_as_the_same_accounts()
    {
        var generated = AccountGenerator.Generate(20, 3, StatementDate).ToList();
        var rows = JsonAccountsReader.Read(new MemoryStream(Json(20, 3, StatementDate)), "accounts.json").ToBlockingEnumerable().ToList();

        rows.OfType<AccountRow>().Select(r => r.Account).ShouldBe(generated.Select(a => a with { Entries = null }));
        rows.OfType<EntryRow>().Count().ShouldBe(generated.Sum(a => a.Entries!.Count));
        Encoding.UTF8.GetString(Json(1, 3, StatementDate)).ShouldStartWith("{\"accounts\":[{\"accountId\":\"acc-000001\"");
    }
}

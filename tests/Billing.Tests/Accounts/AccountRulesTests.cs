using Billing.Features.Accounts;

namespace Billing.Tests.Accounts;

public class AccountRulesTests
{
    static AccountInput Valid => new()
    {
        AccountId = "acc-1", Name = "Anna Berg", Email = "anna@example.com", Phone = "+46701234567",
        Loan = new LoanInput
        {
            Currency = "SEK", CreditLimit = 20000, Apr = 0.24m, StatementDay = 28, TimeZone = "Europe/Stockholm",
            OpenedOn = new DateOnly(2025, 1, 1),
        },
    };

    static EntryInput Entry(string kind, decimal amount) =>
        new() { AccountId = "acc-1", Ref = "r-1", Kind = kind, Amount = amount, OccurredAt = DateTimeOffset.UnixEpoch };

    [Fact]
    public void A_complete_account_and_entries_of_every_kind_with_the_right_sign_pass()
    {
        AccountRules.Problems(Valid).ShouldBeEmpty();
        // The longest due allowed, and a previous statement due the day before its next statement (hand-checked).
        AccountRules.Problems(Valid with
        {
            Loan = Valid.Loan! with { DueDays = 27 },
            PreviousStatement = new PreviousStatementInput
            {
                StatementDate = new DateOnly(2026, 2, 28), ClosingBalance = 100m, MinimumDue = 35m, DueDate = new DateOnly(2026, 3, 27),
            },
        }).ShouldBeEmpty();
        foreach (var (kind, amount) in new[] { ("purchase", 10m), ("interest", 1m), ("fee", 25m), ("refund", 5m), ("adjustment", -3m), ("adjustment", 3m) })
            AccountRules.Problems(Entry(kind, amount), "SEK").ShouldBeEmpty($"{kind} {amount}");
    }

    [Theory]
    [InlineData("currency", "loan.currency 'XYZ' is not a known currency")]
    [InlineData("decimals", "loan.creditLimit 100.005 has more decimals than SEK allows (2)")]
    [InlineData("zone", "loan.timeZone 'Mars/Olympus' is not a known time zone")]
    [InlineData("day", "loan.statementDay 32 is not between 1 and 31")]
    [InlineData("due", "loan.dueDays 20 is not between 21 and 27")]
    [InlineData("due-after-next", "loan.dueDays 28 is not between 21 and 27")]
    [InlineData("previous-due-after-next", "previousStatement.dueDate 2026-03-28 is not before the next statement date 2026-03-28")]
    [InlineData("name", "name is 201 characters long; at most 200 fit")]
    [InlineData("phone", "phone '0701234567' is not in E.164 form")]
    [InlineData("loan", "loan is missing")]
    public void An_account_breaking_a_rule_is_refused_with_a_message_naming_the_field(string broken, string message)
    {
        var loan = Valid.Loan!;
        var account = broken switch
        {
            "currency" => Valid with { Loan = loan with { Currency = "XYZ" } },
            "decimals" => Valid with { Loan = loan with { CreditLimit = 100.005m } },
            "zone" => Valid with { Loan = loan with { TimeZone = "Mars/Olympus" } },
            "day" => Valid with { Loan = loan with { StatementDay = 32 } },
            "due" => Valid with { Loan = loan with { DueDays = 20 } },
            // Hand-checked: statement day 28, the 28 February statement's next is 28 March, so a due date then is never judged.
            "due-after-next" => Valid with { Loan = loan with { DueDays = 28 } },
            "previous-due-after-next" => Valid with
            {
                PreviousStatement = new PreviousStatementInput
                {
                    StatementDate = new DateOnly(2026, 2, 28), ClosingBalance = 100m, MinimumDue = 35m, DueDate = new DateOnly(2026, 3, 28),
                },
            },
            "name" => Valid with { Name = new string('n', 201) },
            "phone" => Valid with { Phone = "0701234567" },
            "loan" => Valid with { Loan = null },
            _ => throw new ArgumentOutOfRangeException(nameof(broken)),
        };

        AccountRules.Problems(account).ShouldContain(p => p.StartsWith(message), string.Join(" | ", AccountRules.Problems(account)));
    }

    [Theory]
    [InlineData("repayment", -10, "kind 'repayment' is not imported: repayments are reported through POST /repayments")]
    [InlineData("purchase", -10, "amount -10 of a purchase must be positive")]
    [InlineData("fee", 0, "amount is 0")]
    [InlineData("gift", 10, "kind 'gift' is not one of")]
    [InlineData("purchase", 10.001, "amount 10.001 has more decimals than SEK allows")]
    public void An_entry_with_a_bad_kind_sign_or_amount_is_refused(string kind, decimal amount, string message) =>
        AccountRules.Problems(Entry(kind, amount), "SEK").ShouldContain(p => p.StartsWith(message));

    [Fact]
    public void A_yen_amount_with_decimals_is_refused_where_the_same_in_kronor_passes()
    {
        AccountRules.Problems(Entry("purchase", 10.5m), "JPY").ShouldContain(p => p.Contains("more decimals than JPY allows (0)"));
        AccountRules.Problems(Entry("purchase", 10.5m), "SEK").ShouldBeEmpty();
    }
}

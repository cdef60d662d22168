using System.Net;
using System.Text.Json;

namespace Billing.Tests.Passbook;

public class RepaymentValidationTests
{
    const string Account = "{account}";

    // (what is wrong, the JSON, the status, the field named in errors or the problem's code)
    static readonly (string Case, string Json, int Status, string Field)[] BadReports =
    [
        ("zero amount", Report(amount: "0"), 400, "amount"),
        ("negative amount", Report(amount: "-5"), 400, "amount"),
        ("more decimals than SEK", Report(amount: "1.005"), 400, "amount"),
        ("decimals in JPY", Report(amount: "10.5", currency: "\"JPY\""), 400, "amount"),
        ("an amount decimal cannot hold", Report(amount: "1e30"), 400, ""),
        ("an amount too large", Report(amount: "1e27"), 400, "amount"),
        ("no amount", Report(amount: null), 400, "amount"),
        ("amount as text", Report(amount: "\"ten\""), 400, ""),
        ("unknown currency", Report(currency: "\"XXX\""), 400, "currency"),
        ("currency as a number", Report(currency: "752"), 400, ""),
        ("unknown method", Report(method: "\"cheque\""), 400, "method"),
        ("no method", Report(method: null), 400, "method"),
        ("paid an hour ahead", Report(paidAt: $"\"{DateTimeOffset.UtcNow.AddHours(1):O}\""), 400, "paidAt"),
        ("paid-at not a time", Report(paidAt: "\"yesterday\""), 400, ""),
        ("no paid-at", Report(paidAt: null), 400, "paidAt"),
        ("no gateway payment id", Report(gatewayPaymentId: null), 400, "gatewayPaymentId"),
        ("gateway payment id longer than its column", Report(gatewayPaymentId: $"\"{new string('g', 101)}\""), 400, "gatewayPaymentId"),
        ("no account", Report(accountId: null), 400, "accountId"),
        ("account id longer than its column", Report(accountId: $"\"{new string('a', 65)}\""), 400, "accountId"),
        ("source longer than its column", Report(source: $"\"{new string('s', 33)}\""), 400, "source"),
        ("malformed JSON", "{\"accountId\": ", 400, ""),
        ("no body", "", 400, ""),
        ("a JSON array", "[]", 400, ""),
        ("unknown account", Report(accountId: "\"nobody\""), 404, ""),
        ("another currency than the loan's", Report(currency: "\"EUR\""), 422, "currency_mismatch"),
        ("an account without a loan", Report(accountId: "\"{loanless}\""), 422, "no_loan"),
    ];

    [Fact]
    public async Task Every_bad_report_is_a_4xx_with_problem_details_and_writes_nothing()
    {
        // The API answers these itself: no worker needed.
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var loanless = $"nl-{Guid.NewGuid():N}"[..20];
        await passbook.Execute("insert into billing.account (account_id, name) values ($1, 'No Loan')", loanless);
        var failures = new List<string>();

        foreach (var (name, template, status, field) in BadReports)
        {
            var json = template.Replace(Account, account).Replace("{loanless}", loanless);
            using var response = await passbook.ReportJson(json);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != status || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{name}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {text}");
                continue;
            }

            var problem = JsonDocument.Parse(text).RootElement;
            var named = problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(e => e.Name).ToList()
                : problem.TryGetProperty("code", out var code) ? [code.GetString()!] : [];
            if (field.Length > 0 && !named.SequenceEqual([field]))
                failures.Add($"{name}: names [{string.Join(", ", named)}], not {field}: {text}");
        }

        failures.ShouldBeEmpty();
        (await passbook.Written()).ShouldBe("billing.repayment: 0, billing.passbook_entry where kind <> 'purchase': 0, billing.excess_refund: 0, refunds.payment: 0");
    }

    [Fact]
    public async Task A_paid_at_within_the_tolerance_ahead_of_our_clock_is_taken()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);

        await passbook.Repay(PassbookStack.Body(account, 10m, PassbookStack.PaymentId(), paidAt: DateTimeOffset.UtcNow.AddMinutes(4)), 201);
    }

    static string Report(string? accountId = $"\"{Account}\"", string? amount = "10", string? currency = "\"SEK\"",
        string? gatewayPaymentId = "\"gw_bad\"", string? method = "\"card\"", string? paidAt = "\"2026-01-02T10:15:30Z\"",
        string? source = "\"webhook\"")
    {
        var fields = new (string Name, string? Value)[]
        {
            ("accountId", accountId), ("amount", amount), ("currency", currency), ("gatewayPaymentId", gatewayPaymentId),
            ("method", method), ("paidAt", paidAt), ("source", source),
        };
        return "{" + string.Join(",", fields.Where(f => f.Value is not null).Select(f => $"\"{f.Name}\":{f.Value}")) + "}";
    }
}

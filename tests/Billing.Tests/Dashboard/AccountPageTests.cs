using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Access;
using Billing.Tests.BillingRuns;
using Billing.Tests.Passbook;
using Billing.Tests.StatementDelivery;
using Billing.Tests.Support;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>
/// The support call of issue 21 in a real Chromium: "I'm Karin Schmidt: what is my balance and where is my refund?",
/// answered from the header search and the account page, over a billed, delivered and overpaid account.
/// </summary>
public sealed class AccountPageTests(ITestOutputHelper output)
{
    const string Password = "correct horse battery";
    const string Karin = "acc-00002";

    [Fact]
    public async Task Support_finds_a_caller_by_name_e_mail_payment_id_or_refund_id_and_sees_her_balance_statement_pdf_and_refund_status()
    {
        await using var statements = await StatementStack.Start(new Dictionary<string, string> { ["Passbook__SweepInterval"] = "00:00:01" });
        await statements.SeedAccounts(3);
        await statements.Execute("update billing.account set name = 'Karin Schmidt' where account_id = $1", Karin);
        await statements.Execute("update billing.account set name = 'Karin Svensson' where account_id = 'acc-00003'");
        (await statements.Billing.StartRun()).IsSuccessStatusCode.ShouldBeTrue();
        await statements.WaitUntilDelivered(3);

        // Karin pays what she owes, then pays again: the second payment is refunded as an excess.
        var owed = (await Balance(statements.Api)).GetProperty("balance").GetDecimal();
        var paid = PassbookStack.PaymentId();
        var paidTwice = PassbookStack.PaymentId();
        await Repay(statements.Api, PassbookStack.Body(Karin, owed, paid, paidAt: DateTimeOffset.UtcNow));
        await Repay(statements.Api, PassbookStack.Body(Karin, 40m, paidTwice, paidAt: DateTimeOffset.UtcNow));
        var refundId = Guid.Parse((await Eventually.Get("the excess refunded", () => statements.Billing.Stack.Query(
            "select refund_id::text from billing.excess_refund where gateway_payment_id = $1 and status = 'refunded'", paidTwice),
            rows => rows.Count == 1))[0]);
        // She buys again after the refund: the page has a balance to show that no other account or zero would match.
        await statements.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            values ($1, 'purchase', 250.25, 'SEK', 'after-the-call', now(), now())
            """, Karin);
        var balance = await Balance(statements.Api);
        balance.GetProperty("balance").GetDecimal().ShouldBe(250.25m);
        var statementId = (await statements.Billing.Stack.Query("select statement_id::text from billing.statement where account_id = $1", Karin))[0];

        await DashboardBrowser.User(statements.Billing.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(statements.Api,
            nameof(Support_finds_a_caller_by_name_e_mail_payment_id_or_refund_id_and_sees_her_balance_statement_pdf_and_refund_status), output);
        var sam = await browser.LoggedIn("sam", Password);

        // The name as she says it, lower case and only its start: one holder, so straight to her page.
        await Search(sam, "karin sch");
        sam.Url.ShouldEndWith($"/dashboard/accounts/{Karin}");
        (await DashboardBrowser.Text(sam, "h1")).ShouldContain("Karin Schmidt");
        await browser.Shot(sam, "account-page");

        // The figures are the balance endpoint's (fails if the page computes its own, or shows another account's).
        (await DashboardBrowser.Text(sam, "#balance-owed")).ShouldStartWith(Money(balance.GetProperty("balance").GetDecimal()));
        (await DashboardBrowser.Text(sam, "#due-now")).ShouldStartWith(Money(balance.GetProperty("dueNow").GetDecimal()));
        (await DashboardBrowser.Text(sam, "#holder-email")).ShouldContain(statements.Tag);

        var statement = $"#statements tr[data-statement='{statementId}']";
        (await DashboardBrowser.Text(sam, statement)).ShouldContain(BillingStack.Today.ToString("yyyy-MM-dd"));
        (await DashboardBrowser.Text(sam, $"{statement} .delivery[data-channel='email']")).ShouldContain("sent");
        var pdf = await sam.EvaluateFunctionAsync<string>("""
            async s => { const r = await fetch(document.querySelector(s + ' a.pdf').href); return r.status + ' ' + r.headers.get('content-type'); }
            """, statement);
        pdf.ShouldBe("200 application/pdf");

        (await DashboardBrowser.Text(sam, $"#repayments tr[data-payment='{paidTwice}']")).ShouldContain("refunded");
        (await DashboardBrowser.Text(sam, $"#refunds tr[data-refund='{refundId}']")).ShouldContain("refunded");
        (await DashboardBrowser.Text(sam, "#passbook")).ShouldContain($"refund:{refundId}");
        await DashboardBrowser.Submit(sam, $"#refunds tr[data-refund='{refundId}'] a");
        (await DashboardBrowser.Text(sam, "#refund-status")).ShouldBe("refunded");
        (await sam.QuerySelectorAsync($"a.account[href='/dashboard/accounts/{Karin}']")).ShouldNotBeNull("the refund page links back to her account");
        await browser.Go(sam, $"/dashboard/refunds?paymentId={paidTwice}");
        (await sam.QuerySelectorAsync($"#refunds tr[data-refund='{refundId}'] a.account[href='/dashboard/accounts/{Karin}']"))
            .ShouldNotBeNull("the refunds list names the account of each refund's payment");

        // Every other key she might read out lands on the page it names.
        await Search(sam, $"{Karin}.{statements.Tag}@EXAMPLE.test");
        sam.Url.ShouldEndWith($"/dashboard/accounts/{Karin}", customMessage: "by e-mail, whatever its case");
        await Search(sam, paid);
        sam.Url.ShouldEndWith($"/dashboard/accounts/{Karin}", customMessage: "by the gateway's payment id");
        await Search(sam, refundId.ToString());
        sam.Url.ShouldEndWith($"/dashboard/refunds/{refundId}", customMessage: "by refund id");
        await Search(sam, statementId);
        sam.Url.ShouldEndWith($"/dashboard/statements/{statementId}", customMessage: "by statement id");

        // Two Karins: a list to choose from, each leading to its account.
        await Search(sam, "Karin");
        sam.Url.ShouldContain("/dashboard/search?q=Karin");
        var hits = await sam.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#search-results a')].map(a => a.getAttribute('href'))");
        hits.ShouldBe([$"/dashboard/accounts/{Karin}", "/dashboard/accounts/acc-00003"], ignoreOrder: true);
        await browser.Shot(sam, "two-karins");

        // What cannot match, or cannot be read, says so on the dashboard's page (DashboardSearchTests has the rest).
        await Search(sam, "%");
        await sam.WaitForSelectorAsync("#nothing-found, #search-results");
        (await DashboardBrowser.Text(sam, "main")).ShouldContain("Nothing found for “%”", customMessage: sam.Url);
        (await browser.Go(sam, "/dashboard/search?q=+")).Status.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await DashboardBrowser.Text(sam, "#search-problem")).ShouldContain("Type an account id");

        (await browser.Go(sam, "/dashboard/accounts/acc-99999")).Status.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await DashboardBrowser.Text(sam, "#not-found")).ShouldContain("No account 'acc-99999'");
        (await DashboardBrowser.Exists(sam, "#search")).ShouldBeTrue("the 404 is the dashboard's page, with its header");
        await browser.Shot(sam, "unknown-account");
    }

    /// <summary>Types into the header's search and presses Enter, as support does.</summary>
    static async Task Search(IPage page, string text)
    {
        await page.EvaluateExpressionAsync("document.querySelector('#search').value = ''");
        await page.TypeAsync("#search", text);
        var navigation = page.WaitForNavigationAsync(new NavigationOptions { WaitUntil = [WaitUntilNavigation.Load] });
        await page.Keyboard.PressAsync("Enter");
        await navigation;
    }

    static string Money(decimal amount) => amount.ToString("N2", CultureInfo.CurrentCulture);

    static async Task<JsonElement> Balance(HttpClient api) =>
        JsonDocument.Parse(await api.GetStringAsync($"/accounts/{Karin}/balance")).RootElement;

    static async Task Repay(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/repayments", body, PassbookStack.Json);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }
}

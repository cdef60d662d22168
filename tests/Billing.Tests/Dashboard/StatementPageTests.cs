using Billing.Features.Access;
using Billing.Providers.StandIn.Control;
using Billing.Tests.BillingRuns;
using Billing.Tests.StatementDelivery;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>
/// Issue 21's statement page in a real Chromium, over billing with delivery on: who the statement is for, the way to
/// its account and run, when each channel was sent, the PDF in the browser, and support's retry of a channel that failed.
/// </summary>
public sealed class StatementPageTests(ITestOutputHelper output)
{
    const string Password = "correct horse battery";

    [Fact]
    public async Task Support_opens_a_statement_sees_its_holder_links_and_sent_times_and_retries_its_failed_channel_until_it_is_sent()
    {
        await using var statements = await StatementStack.Start();
        await statements.StandIns.SetFaults("whatsapp", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        await statements.SeedAccounts(2, whatsAppEvery: 1);
        await statements.Execute("update billing.account set name = 'Karin Schmidt' where account_id = 'acc-00001'");
        (await statements.Billing.StartRun()).IsSuccessStatusCode.ShouldBeTrue();
        await statements.WaitUntilDelivered(2);
        var statementId = (await statements.Billing.Stack.Query("select statement_id::text from billing.statement where account_id = 'acc-00001'"))[0];
        var whatsapp = "#deliveries tr[data-channel='whatsapp']";

        await DashboardBrowser.User(statements.Billing.Stack, "sam", Password, Roles.Support);
        await DashboardBrowser.User(statements.Billing.Stack, "olga", Password, Roles.Operator);
        await using var browser = await DashboardBrowser.Launch(statements.Api,
            nameof(Support_opens_a_statement_sees_its_holder_links_and_sent_times_and_retries_its_failed_channel_until_it_is_sent), output);

        // An operator sees the failed channel but may not retry it: disabled, and refused by the server too.
        var olga = await browser.LoggedIn("olga", Password);
        await browser.Go(olga, $"/dashboard/statements/{statementId}");
        (await olga.EvaluateFunctionAsync<bool>("s => document.querySelector(s + ' button.retry').disabled", whatsapp)).ShouldBeTrue();
        (await DashboardBrowser.PostFormOf(olga, $"{whatsapp} button.retry")).ShouldBe(403);
        (await statements.Count("select count(*) from billing.delivery where statement_id = $1::uuid and channel = 'whatsapp' and status = 'failed'",
            statementId)).ShouldBe(1, "a refused retry changes nothing");

        var sam = await browser.LoggedIn("sam", Password);
        await browser.Go(sam, $"/dashboard/statements/{statementId}");
        (await DashboardBrowser.Text(sam, "#holder-name")).ShouldBe("Karin Schmidt");
        (await sam.QuerySelectorAsync("#statement-links a.account[href='/dashboard/accounts/acc-00001']")).ShouldNotBeNull();
        (await sam.QuerySelectorAsync($"#statement-links a.run[href='/dashboard/runs/{BillingStack.RunId}']")).ShouldNotBeNull();
        foreach (var sent in new[] { "sms", "pdf", "email" })
        {
            var row = $"#deliveries tr[data-channel='{sent}']";
            (await DashboardBrowser.Text(sam, $"{row} .sent-at")).ShouldStartWith(BillingStack.Today.ToString("yyyy-MM-dd"), customMessage: sent);
            (await DashboardBrowser.Exists(sam, $"{row} button.retry")).ShouldBeFalse($"a sent {sent} delivery is not retried");
        }
        (await DashboardBrowser.Text(sam, $"{whatsapp} .sent-at")).ShouldBeEmpty();

        // The PDF opens in the browser instead of downloading.
        var pdf = await sam.EvaluateFunctionAsync<string>("""
            async () => { const r = await fetch(document.querySelector('#pdf-link').href); return r.status + ' ' + r.headers.get('content-disposition'); }
            """);
        pdf.ShouldStartWith("200 inline;");
        await browser.Shot(sam, "statement-with-a-failed-channel");

        await statements.StandIns.ClearFaults("whatsapp");
        await DashboardBrowser.Submit(sam, $"{whatsapp} button.retry");
        (await DashboardBrowser.Text(sam, "#flash")).ShouldContain("The whatsapp delivery is being retried");
        await DashboardBrowser.Until(sam, "the retried WhatsApp sent", async () =>
            (await DashboardBrowser.Text(sam, $"{whatsapp} .sent-at")).StartsWith(BillingStack.Today.ToString("yyyy-MM-dd")));
        (await DashboardBrowser.Exists(sam, $"{whatsapp} button.retry")).ShouldBeFalse();
        (await statements.Messages("whatsapp")).Count.ShouldBe(1, "the retry sends once");
        (await statements.Billing.Stack.Query(
            "select actor || ' ' || (before ->> 'status') || ' -> ' || (after ->> 'status') from audit.entry where action = 'delivery.retry'"))
            .ShouldBe(["sam failed -> retrying"]);
        await browser.Shot(sam, "retried-channel-sent");
    }
}

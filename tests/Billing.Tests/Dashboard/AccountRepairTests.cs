using Billing.Features.Access;
using Billing.Tests.BillingRuns;
using Billing.Tests.StatementDelivery;
using Billing.Tests.Support;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>
/// Issue 21: an operator fixes what halts an account from its page — a holder no channel reaches (<c>no_contact</c>) —
/// and resumes it there, in a real Chromium over billing with delivery on. The page follows each resume without a reload.
/// </summary>
public sealed class AccountRepairTests(ITestOutputHelper output)
{
    const string Password = "correct horse battery";
    const string Unreachable = "acc-00002";

    [Fact]
    public async Task An_operator_resumes_a_no_contact_account_sees_it_halt_again_then_adds_an_e_mail_with_consent_and_sees_it_billed_without_a_reload()
    {
        await using var statements = await StatementStack.Start();
        await statements.SeedAccounts(3);
        // No e-mail, and a phone without SMS or WhatsApp consent: validation finds no channel.
        await statements.Execute("""
            update billing.account set email = null, email_opt_in = false, sms_opt_in = false, whatsapp_opt_in = false where account_id = $1
            """, Unreachable);
        (await statements.Billing.StartRun()).IsSuccessStatusCode.ShouldBeTrue();
        await statements.WaitUntilDelivered(2);
        (await statements.Billing.WaitUntilFinished()).Halted.ShouldBe(1);

        await DashboardBrowser.User(statements.Billing.Stack, "olga", Password, Roles.Operator);
        await DashboardBrowser.User(statements.Billing.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(statements.Api,
            nameof(An_operator_resumes_a_no_contact_account_sees_it_halt_again_then_adds_an_e_mail_with_consent_and_sees_it_billed_without_a_reload), output);
        var page = $"/dashboard/accounts/{Unreachable}";
        var billing = $"section.billing[data-run='{BillingStack.RunId}']";

        // Support sees why it halted, but may neither change the contact nor resume: the server refuses both (fails if a
        // page handler's own role check goes: the disabled controls are not the guard).
        var sam = await browser.LoggedIn("sam", Password);
        await browser.Go(sam, page);
        (await DashboardBrowser.Text(sam, $"{billing} .billing-outcome")).ShouldBe("halted at validation: no_contact");
        (await sam.EvaluateExpressionAsync<bool>("document.querySelector('#contact-form fieldset').disabled")).ShouldBeTrue();
        (await DashboardBrowser.PostFormOf(sam, "#contact-save")).ShouldBe(403);
        (await DashboardBrowser.PostFormOf(sam, $"{billing} button.resume")).ShouldBe(403);

        var olga = await browser.LoggedIn("olga", Password);
        await browser.Go(olga, page);
        (await DashboardBrowser.Text(olga, $"{billing} .billing-outcome")).ShouldBe("halted at validation: no_contact");
        (await DashboardBrowser.Text(olga, billing)).ShouldContain("correct the contact details");
        await browser.Shot(olga, "halted-no-contact");

        // Resumed as it is, it halts again; the page says so by itself (fails if the billings part stops polling, or if
        // the outcome cannot tell a second halt from the first).
        await DashboardBrowser.Submit(olga, $"{billing} button.resume");
        (await DashboardBrowser.Text(olga, "#flash")).ShouldContain($"Resume of {Unreachable} requested");
        await MarkLoaded(olga);
        await UntilOutcome(olga, billing, "halted again at validation: no_contact");
        await StillTheSameLoad(olga);
        (await olga.QuerySelectorAllAsync($"{billing} .history li.halted")).Length.ShouldBe(2);
        (await DashboardBrowser.Text(olga, $"{billing} .history li.resumed")).ShouldContain("resume requested by olga");
        await browser.Shot(olga, "halted-again");

        // A typo is refused on the dashboard's page, naming what is wrong, and writes nothing.
        await olga.TypeAsync("#contact-email", "karin.example.test");
        await olga.ClickAsync("#contact-email-opt-in");
        await DashboardBrowser.Submit(olga, "#contact-save");
        (await DashboardBrowser.Text(olga, "#contact-problem")).ShouldContain("email 'karin.example.test' has no @");
        (await olga.EvaluateExpressionAsync<string>("document.querySelector('#contact-email').value")).ShouldBe("karin.example.test");
        (await statements.Count("select count(*) from billing.account where account_id = $1 and email is null and not email_opt_in", Unreachable))
            .ShouldBe(1);
        await browser.Shot(olga, "contact-refused");

        // The e-mail with its consent: saved, audited before and after, and the resume bills and delivers it.
        var email = $"{Unreachable}.{statements.Tag}@example.test";
        await olga.EvaluateExpressionAsync("document.querySelector('#contact-email').value = ''");
        await olga.TypeAsync("#contact-email", email);
        if (!await olga.EvaluateExpressionAsync<bool>("document.querySelector('#contact-email-opt-in').checked"))
            await olga.ClickAsync("#contact-email-opt-in");
        await DashboardBrowser.Submit(olga, "#contact-save");
        (await DashboardBrowser.Text(olga, "#flash")).ShouldBe("Contact details saved.");
        (await DashboardBrowser.Text(olga, "#holder-email")).ShouldBe(email);

        await DashboardBrowser.Submit(olga, $"{billing} button.resume");
        await MarkLoaded(olga);
        await UntilOutcome(olga, billing, "billed");
        await StillTheSameLoad(olga);
        await browser.Shot(olga, "billed-after-the-fix");
        var mails = await statements.Mails(3);
        mails.ShouldContain(m => m.Headers.GetValueOrDefault("To", "").Contains(email), "the statement goes to the e-mail the operator added");
        await DashboardBrowser.Until(olga, "the statement delivered", async () =>
            (await DashboardBrowser.Text(olga, "#statements .delivery[data-channel='email']")).Contains("sent"));

        var audit = await DashboardBrowser.Text(olga, "#account-audit");
        audit.ShouldContain("account.contact");
        audit.ShouldContain(email);
        (await olga.QuerySelectorAllAsync("#account-audit tr[data-action='billing.resume']")).Length.ShouldBe(2);
        (await statements.Billing.Stack.Query(
            "select before ->> 'email' is null and not (before ->> 'emailOptIn')::boolean and (after ->> 'emailOptIn')::boolean from audit.entry where action = 'account.contact'"))
            .ShouldBe(["True"]);
        await browser.Shot(olga, "account-audit");
    }

    // Set after a page's load and gone after another: the outcome below must come from the page's polling, not a reload.
    static Task MarkLoaded(IPage page) => page.EvaluateExpressionAsync("window.sameLoad = true");

    static async Task StillTheSameLoad(IPage page) =>
        (await page.EvaluateExpressionAsync<bool>("window.sameLoad === true")).ShouldBeTrue("the page was reloaded");

    static Task UntilOutcome(IPage page, string billing, string outcome) => page.WaitForFunctionAsync(
        "(s, o) => document.querySelector(s + ' .billing-outcome')?.innerText === o",
        new WaitForFunctionOptions { Timeout = 90_000, PollingInterval = 250 }, billing, outcome);
}

using System.Net;
using Billing.Features.Access;
using Billing.Providers.StandIn.Control;
using Billing.Tests.BillingRuns;
using Billing.Tests.Refunds;
using Billing.Tests.Support;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>The dashboard in a real headless Chromium, as support, operators and admins use it (screenshots per step).</summary>
public class DashboardTests(ITestOutputHelper output)
{
    const string Password = "correct horse battery";

    [Fact]
    public async Task An_operator_finds_accounts_halted_at_a_step_and_resumes_one_then_all_and_support_may_not()
    {
        await using var billing = await BillingStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__Faults__Step"] = "loan",
            ["BillingRuns__Faults__Kind"] = "permanent",
            ["BillingRuns__Faults__Times"] = "1",
            ["BillingRuns__Faults__AccountPrefix"] = "acc-0000",
        });
        await billing.SeedAccounts(12);
        (await billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await billing.WaitUntilFinished()).Halted.ShouldBe(9);
        await DashboardBrowser.User(billing.Stack, "olga", Password, Roles.Operator);
        await DashboardBrowser.User(billing.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(billing.Api, nameof(An_operator_finds_accounts_halted_at_a_step_and_resumes_one_then_all_and_support_may_not), output);
        var run = $"/dashboard/runs/{BillingStack.RunId}";

        // Support sees the halted accounts, with the buttons disabled, and the server refuses the resume anyway
        // (fails if the page handler's own role check goes: the disabled button is not the guard; the POST then redirects).
        var sam = await browser.LoggedIn("sam", Password);
        await browser.Go(sam, run);
        (await sam.EvaluateExpressionAsync<bool>("document.querySelector('tr[data-account=\"acc-00002\"] button.resume').disabled")).ShouldBeTrue();
        await browser.Shot(sam, "support-sees-resume-disabled");
        (await DashboardBrowser.PostFormOf(sam, "tr[data-account=\"acc-00002\"] button.resume")).ShouldBe(403);

        var olga = await browser.LoggedIn("olga", Password);
        await browser.Shot(olga, "operator-logged-in");
        (await DashboardBrowser.Text(olga, "#user-name")).ShouldBe("olga");
        await DashboardBrowser.Submit(olga, $"#runs a[href='{run}']");
        (await DashboardBrowser.Text(olga, "section.halted-step[data-step='loan'] h2")).ShouldContain("At step loan: 9");
        (await DashboardBrowser.Text(olga, "tr[data-account='acc-00001']")).ShouldContain("injected");
        await browser.Shot(olga, "run-with-halted-accounts");

        await browser.Go(olga, "/dashboard/analytics");
        (await DashboardBrowser.Text(olga, "#halts-by-step")).ShouldContain("loan · injected");
        await browser.Shot(olga, "analytics-halts-by-step");
        await browser.Go(olga, run);

        await DashboardBrowser.Submit(olga, "tr[data-account='acc-00001'] button.resume");
        (await DashboardBrowser.Text(olga, "#flash")).ShouldContain("Resume of acc-00001 requested");
        // The progress polls: the account leaves the halted list without a reload.
        await olga.WaitForFunctionAsync("() => !document.querySelector('tr[data-account=\"acc-00001\"]')",
            new WaitForFunctionOptions { Timeout = 60_000, PollingInterval = 250 });
        (await billing.Count("select count(*) from billing.statement where account_id = 'acc-00001'")).ShouldBe(1);
        await browser.Shot(olga, "one-account-resumed");

        await DashboardBrowser.Submit(olga, "section.halted-step[data-step='loan'] button.resume-step");
        (await DashboardBrowser.Text(olga, "#confirm-question")).ShouldBe("Resume 8 accounts halted at loan?");
        await browser.Shot(olga, "resume-all-asks-first");
        await DashboardBrowser.Submit(olga, "#confirm-yes");
        (await DashboardBrowser.Text(olga, "#flash")).ShouldContain("Resume of 8 account(s) halted at loan requested");
        await olga.WaitForSelectorAsync("#no-halted", new WaitForSelectorOptions { Timeout = 60_000 });
        await billing.WaitUntilReady(12);
        await browser.Shot(olga, "all-resumed");

        await olga.TypeAsync("input[name=account]", "acc-00001");
        await DashboardBrowser.Submit(olga, "form.filters button");
        await DashboardBrowser.Submit(olga, "#statements a[href^='/dashboard/statements/']");
        (await DashboardBrowser.Text(olga, "#figures")).ShouldContain("Closing balance");
        await browser.Shot(olga, "statement-figures");

        await browser.Go(olga, "/dashboard/audit?actor=olga");
        var audit = await DashboardBrowser.Text(olga, "#audit");
        audit.ShouldContain("billing.resume\t");
        audit.ShouldContain($"account_billing {BillingStack.RunId}/acc-00001");
        (await olga.QuerySelectorAllAsync("#audit tr[data-action='billing.resume_step']")).Length.ShouldBe(8);
        (await olga.QuerySelectorAllAsync("#audit tr[data-action='login']")).Length.ShouldBe(1);
        await browser.Shot(olga, "audit-of-the-operator");
    }

    // Fails if the page's Retry stops calling RefundActions (the refund stays failed; seen with a handler that only said "accepted").
    [Fact]
    public async Task Support_logs_in_retries_a_failed_refund_until_it_is_refunded_and_marks_another_resolved_and_cancels_a_third()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var retried = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_dash_1", 21m, method: "swish"));
        var resolved = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_dash_2", 22m, method: "swish"));
        var cancelled = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_dash_3", 23m, method: "swish"));
        await refunds.WaitFor(retried, "failed");
        await refunds.WaitFor(resolved, "failed");
        await refunds.WaitFor(cancelled, "failed");
        await DashboardBrowser.User(refunds.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(refunds.Api, nameof(Support_logs_in_retries_a_failed_refund_until_it_is_refunded_and_marks_another_resolved_and_cancels_a_third), output);

        // A page asked for without a login leads to the login, and back to that page after it.
        var sam = await browser.Person();
        await browser.Go(sam, "/dashboard/refunds?status=failed");
        sam.Url.ShouldContain("/login?ReturnUrl=");
        await browser.Shot(sam, "login");
        await DashboardBrowser.LogIn(sam, "sam", Password);
        sam.Url.ShouldEndWith("/dashboard/refunds?status=failed");
        (await sam.QuerySelectorAllAsync("#refunds tbody tr")).Length.ShouldBe(3);
        await browser.Shot(sam, "failed-refunds");

        await browser.Go(sam, "/dashboard/analytics");
        (await DashboardBrowser.Exists(sam, "#failures-by-cause svg")).ShouldBeTrue();
        (await DashboardBrowser.Text(sam, "#failures-by-method")).ShouldContain("swish");
        (await DashboardBrowser.Text(sam, "#open-failures")).ShouldContain("swish");
        await browser.Shot(sam, "analytics-with-the-failures");

        await refunds.ClearFaults("swish");
        await browser.Go(sam, "/dashboard/refunds?status=failed");
        await DashboardBrowser.Submit(sam, $"tr[data-refund='{retried}'] a");
        await DashboardBrowser.Submit(sam, "#retry");
        (await DashboardBrowser.Text(sam, "#confirm-question")).ShouldContain("of 21.00 SEK?");
        await DashboardBrowser.Submit(sam, "#confirm-yes");
        (await DashboardBrowser.Text(sam, "#flash")).ShouldContain("Retry requested");
        await DashboardBrowser.Until(sam, "the retried refund to show refunded",
            async () => await DashboardBrowser.Text(sam, "#refund-status") == "refunded");
        (await DashboardBrowser.Text(sam, "#attempts")).ShouldContain("manual");
        (await refunds.TimesPaid(retried)).ShouldBe(1);
        await browser.Shot(sam, "retried-refund-refunded");

        await browser.Go(sam, $"/dashboard/refunds/{resolved}");
        await sam.TypeAsync("#resolve-note", "paid by bank transfer, ticket 4711");
        await sam.ClickAsync("#paid-elsewhere");
        await DashboardBrowser.Submit(sam, "#resolve");
        (await DashboardBrowser.Text(sam, "#confirm-question")).ShouldContain("of 22.00 SEK resolved by hand?");
        await DashboardBrowser.Submit(sam, "#confirm-yes");
        (await DashboardBrowser.Text(sam, "#flash")).ShouldContain("Marked resolved");
        await DashboardBrowser.Until(sam, "the other refund to show resolved by hand",
            async () => await DashboardBrowser.Text(sam, "#refund-status") == "resolved_by_hand");
        await browser.Shot(sam, "other-refund-resolved");

        await browser.Go(sam, $"/dashboard/refunds/{cancelled}");
        await sam.TypeAsync("#cancel-reason", "customer withdrew the claim");
        await DashboardBrowser.Submit(sam, "#cancel");
        (await DashboardBrowser.Text(sam, "#confirm-question")).ShouldContain("Cancel refund");
        (await DashboardBrowser.Text(sam, "#confirm-question")).ShouldContain("of 23.00 SEK?");
        await browser.Shot(sam, "cancel-asks-with-the-amount");
        await DashboardBrowser.Submit(sam, "#confirm-yes");
        await DashboardBrowser.Until(sam, "the third refund to show cancelled",
            async () => await DashboardBrowser.Text(sam, "#refund-status") == "cancelled");
        await browser.Shot(sam, "third-refund-cancelled");

        await browser.Go(sam, "/dashboard/audit?action=refund.");
        var audit = await DashboardBrowser.Text(sam, "#audit");
        audit.ShouldContain($"refund.retry\trefund {retried}");
        audit.ShouldContain($"refund.resolve\trefund {resolved}");
        audit.ShouldContain("paid by bank transfer, ticket 4711");
        audit.ShouldContain($"refund.cancel\trefund {cancelled}");
        await browser.Shot(sam, "audit-of-support");
    }

    // Fails if IsReadOnlyFunc lets support act (trigger buttons shown) or if admins' Hangfire commands are no longer audited.
    [Fact]
    public async Task An_admin_triggers_the_reconciler_from_the_jobs_dashboard_and_a_support_user_sees_it_read_only()
    {
        await using var stack = await ServiceStack.Start();
        await DashboardBrowser.User(stack, "ada", Password, Roles.Admin);
        await DashboardBrowser.User(stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(stack.Api, nameof(An_admin_triggers_the_reconciler_from_the_jobs_dashboard_and_a_support_user_sees_it_read_only), output);
        const string trigger = "button[data-url$='/recurring/trigger']";

        var sam = await browser.LoggedIn("sam", Password);
        await browser.Go(sam, "/hangfire/recurring");
        (await DashboardBrowser.Text(sam, "body")).ShouldContain("refund-reconciler");
        (await DashboardBrowser.Exists(sam, trigger)).ShouldBeFalse("support sees the jobs read-only");
        (await DashboardBrowser.Exists(sam, "input.js-jobs-list-checkbox")).ShouldBeFalse();
        await browser.Shot(sam, "support-jobs-read-only");

        var ada = await browser.LoggedIn("ada", Password);
        await browser.Go(ada, "/hangfire/recurring");
        (await DashboardBrowser.Text(ada, "body")).ShouldNotContain("Host=", customMessage: "the storage connection string stays hidden");
        await ada.ClickAsync("input.js-jobs-list-checkbox[value='refund-reconciler']");
        await browser.Shot(ada, "admin-selects-the-reconciler");
        // Hangfire asks first, naming what the trigger touches; declined, nothing runs.
        var questions = new List<string>();
        var decline = true;
        ada.Dialog += async (_, e) =>
        {
            questions.Add(e.Dialog.Message);
            if (decline)
                await e.Dialog.Dismiss();
            else
                await e.Dialog.Accept();
        };
        var posts = new List<string>();
        ada.Request += (_, e) =>
        {
            if (e.Request.Method == HttpMethod.Post && e.Request.Url.EndsWith("/recurring/trigger", StringComparison.Ordinal))
                posts.Add(e.Request.Url);
        };
        await ada.ClickAsync(trigger);
        // The click returns after Hangfire's handler ran: declined, it posted nothing (it posts right after its confirm).
        questions.ShouldHaveSingleItem().ShouldContain("1 job (refund-reconciler)?");
        posts.ShouldBeEmpty("declined");
        decline = false;
        await ada.ClickAsync(trigger);
        await Eventually.Until("a reconciler run started from the dashboard", async () =>
            await stack.Count("select count(*) from refunds.reconciler_run") > 0);
        await browser.Shot(ada, "admin-triggered");

        await browser.Go(ada, "/dashboard/audit?action=hangfire.");
        (await DashboardBrowser.Text(ada, "#audit")).ShouldContain("hangfire.trigger\trecurring_job refund-reconciler");
        (await DashboardBrowser.Text(ada, "#audit")).ShouldContain("ada");
        await browser.Shot(ada, "audit-of-the-trigger");
    }

    // Fails if the login page stops recording failed logins in the audit trail.
    [Fact]
    public async Task Five_wrong_passwords_lock_the_login_and_the_audit_shows_it()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        await DashboardBrowser.User(stack, "lena", Password, Roles.Support);
        await DashboardBrowser.User(stack, "ada", Password, Roles.Admin);
        await using var browser = await DashboardBrowser.Launch(stack.Api, nameof(Five_wrong_passwords_lock_the_login_and_the_audit_shows_it), output);

        var lena = await browser.Person();
        for (var i = 1; i <= 4; i++)
        {
            await browser.Go(lena, "/login");
            await DashboardBrowser.LogIn(lena, "lena", $"wrong {i}");
            (await DashboardBrowser.Text(lena, "#login-problem")).ShouldBe("Wrong username or password.");
        }
        await browser.Shot(lena, "wrong-password");
        await browser.Go(lena, "/login");
        await DashboardBrowser.LogIn(lena, "lena", "wrong 5");
        (await DashboardBrowser.Text(lena, "#login-problem")).ShouldStartWith("Locked until");
        await browser.Go(lena, "/login");
        await DashboardBrowser.LogIn(lena, "lena", Password);
        (await DashboardBrowser.Text(lena, "#login-problem")).ShouldStartWith("Locked until", customMessage: "the right password does not open a locked login");
        lena.Url.ShouldContain("/login");
        await browser.Shot(lena, "locked");

        var ada = await browser.LoggedIn("ada", Password);
        await browser.Go(ada, "/dashboard/audit?actor=lena");
        (await ada.QuerySelectorAllAsync("#audit tr[data-action='login.failed']")).Length.ShouldBe(4);
        (await ada.QuerySelectorAllAsync("#audit tr[data-action='login.locked_out']")).Length.ShouldBe(2);
        (await ada.QuerySelectorAllAsync("#audit tr[data-action='login']")).Length.ShouldBe(0);
        await browser.Shot(ada, "audit-of-the-lockout");

        await DashboardBrowser.Submit(ada, "nav form button");
        ada.Url.ShouldEndWith("/login");
        await browser.Go(ada, "/dashboard/audit");
        ada.Url.ShouldContain("/login", customMessage: "logged out");
    }
}

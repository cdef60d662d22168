using Billing.Features.Access;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Billing.Tests.Dashboard;

/// <summary>
/// Actions that ask first and tell what happened, in headless Chromium: the question states the count or the amount, a
/// "no" does nothing, a retried refund is followed to its outcome on the page that asked, and a refusal shows the
/// dashboard's own page and lands in the audit trail.
/// </summary>
public class ActionConfirmationTests(ITestOutputHelper output)
{
    const string Password = "correct horse battery";

    // Fails if the bulk retry's handler stops asking (Unconfirmed removed: one click retries), or counts something other
    // than the refunds it retries.
    [Fact]
    public async Task A_bulk_retry_states_its_count_and_amount_and_asks_first_and_a_no_retries_nothing()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var ids = new List<Guid>();
        foreach (var (payment, amount) in new[] { ("swish_bulk_1", 21m), ("swish_bulk_2", 22m), ("swish_bulk_3", 23.5m) })
            ids.Add(await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body(payment, amount, method: "swish")));
        var cause = "";
        foreach (var id in ids)
            cause = (await refunds.WaitFor(id, "failed")).LastErrorCode!;
        // Another method's failure stays out of the count.
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var card = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("card_bulk_1", 30m));
        await refunds.WaitFor(card, "failed");
        await refunds.ClearFaults("swish");
        await DashboardBrowser.User(refunds.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(refunds.Api, nameof(A_bulk_retry_states_its_count_and_amount_and_asks_first_and_a_no_retries_nothing), output);

        var sam = await browser.LoggedIn("sam", Password);
        var list = $"/dashboard/refunds?status=failed&method=swish&cause={cause}";
        await browser.Go(sam, list);
        await DashboardBrowser.Submit(sam, "#bulk-retry button");
        (await DashboardBrowser.Text(sam, "#confirm-question")).ShouldBe($"Retry 3 refunds (swish, {cause})?");
        (await DashboardBrowser.Text(sam, "#confirm-effect")).ShouldContain("66.50 SEK");
        await browser.Shot(sam, "bulk-retry-asks-with-the-count");

        await DashboardBrowser.Submit(sam, "#confirm-no");
        sam.Url.ShouldEndWith(list, customMessage: "no leads back to the list it came from");
        // No was a link: nothing was posted, so nothing can be on its way.
        (await refunds.Count("select count(*) from audit.entry where action like 'refund.bulk_retry%'")).ShouldBe(0);
        foreach (var id in ids)
            (await refunds.Get(id)).Status.ShouldBe("failed");

        await DashboardBrowser.Submit(sam, "#bulk-retry button");
        await DashboardBrowser.Submit(sam, "#confirm-yes");
        (await DashboardBrowser.Text(sam, "#flash")).ShouldBe("Retry requested for 3 refund(s).");
        foreach (var id in ids)
            (await refunds.WaitFor(id, "refunded")).ManualRetryBy.ShouldBe("sam");
        (await refunds.Get(card)).Status.ShouldBe("failed", "another method than the one confirmed");
        await browser.Shot(sam, "bulk-retry-done");
    }

    // Fails if the refund page stops polling (data-final always "true": the status stays retrying_manually until a
    // reload) or if the live part does not carry the new status and the retry's outcome.
    [Fact]
    public async Task A_retried_refund_is_followed_on_its_page_to_refunded_or_to_its_new_failure_without_a_reload()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var paid = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_live_1", 31m, method: "swish"));
        var declined = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_live_2", 32m, method: "swish"));
        await refunds.WaitFor(paid, "failed");
        var firstError = (await refunds.WaitFor(declined, "failed")).LastErrorCode;
        await DashboardBrowser.User(refunds.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(refunds.Api, nameof(A_retried_refund_is_followed_on_its_page_to_refunded_or_to_its_new_failure_without_a_reload), output);
        var sam = await browser.LoggedIn("sam", Password);

        // The retry passes, slowly enough that the page shows it under way first.
        await refunds.SetFaults("swish", new FaultSettings(LatencyMs: 4000));
        await RetryAndConfirm(browser, sam, paid);
        // Right after the redirect the saga may not have taken the retry up: the page follows until it has.
        (await DashboardBrowser.Text(sam, "p.live")).ShouldStartWith("Live · updated");
        await UntilShown(sam, "retrying_manually");
        await browser.Shot(sam, "retry-under-way");
        await UntilShown(sam, "refunded");
        (await DashboardBrowser.Text(sam, "#refund-outcome")).ShouldContain("Retry by sam at");
        (await DashboardBrowser.Text(sam, "#refund-outcome")).ShouldContain(": refunded at");
        (await DashboardBrowser.Text(sam, "p.live")).ShouldStartWith("Settled");
        (await DashboardBrowser.Exists(sam, "#retry")).ShouldBeFalse("a refunded refund offers no retry");
        await browser.Shot(sam, "retry-refunded-without-a-reload");

        // The retry fails again: the page shows the new failure, and offers the actions again.
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable, LatencyMs: 4000));
        // (The provider may answer a declined retry at once, so "under way" can be too short to see here.)
        await RetryAndConfirm(browser, sam, declined);
        await Until(sam, "() => document.querySelector('#refund-outcome')?.innerText.includes(': failed again')");
        (await SameDocument(sam)).ShouldBeTrue("followed without a reload");
        var again = await DashboardBrowser.Text(sam, "#refund-status");
        again.ShouldBeOneOf("failed", "needs_support");
        (await DashboardBrowser.Text(sam, "#refund-outcome")).ShouldContain($": failed again ({again}): {firstError}");
        (await DashboardBrowser.Text(sam, "p.live")).ShouldStartWith("Settled");
        (await DashboardBrowser.Exists(sam, "#retry")).ShouldBeTrue();
        await browser.Shot(sam, "retry-failed-again-without-a-reload");

        // The audit trail shows each request beside what became of it.
        await browser.Go(sam, "/dashboard/audit?action=refund.retry");
        (await DashboardBrowser.Text(sam, $"#audit tr[data-action='refund.retry']:has(a[href*='{paid}']) td.outcome")).ShouldStartWith("refund now refunded");
        (await DashboardBrowser.Text(sam, $"#audit tr[data-action='refund.retry']:has(a[href*='{declined}']) td.outcome")).ShouldStartWith($"refund now {again}: {firstError}");
        await browser.Shot(sam, "audit-with-outcomes");
    }

    // Fails if a refused action answers the bare 403 (the filter gone: raw problem JSON) or is not audited
    // (RefusedUnless without its Audit call), or if a 409 from a stale page is not audited.
    [Fact]
    public async Task A_refused_action_shows_the_dashboards_own_page_and_is_audited_with_its_reason()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var refund = await refunds.Refund(Guid.NewGuid().ToString(), RefundStack.Body("swish_refused_1", 41m, method: "swish"));
        await refunds.WaitFor(refund, "failed");
        await DashboardBrowser.User(refunds.Stack, "olga", Password, Roles.Operator);
        await DashboardBrowser.User(refunds.Stack, "sam", Password, Roles.Support);
        await using var browser = await DashboardBrowser.Launch(refunds.Api, nameof(A_refused_action_shows_the_dashboards_own_page_and_is_audited_with_its_reason), output);

        // An operator past the disabled button (as a user whose roles changed while the page was open).
        var olga = await browser.LoggedIn("olga", Password);
        await browser.Go(olga, $"/dashboard/refunds/{refund}");
        (await olga.EvaluateExpressionAsync<bool>("document.querySelector('#cancel').disabled")).ShouldBeTrue();
        await olga.EvaluateExpressionAsync("document.querySelector('#cancel').disabled = false; document.querySelector('#cancel-reason').value = 'not mine to cancel'");
        var answer = olga.WaitForResponseAsync(r => r.Url.Contains("handler=cancel"));
        await DashboardBrowser.Submit(olga, "#cancel");
        ((int)(await answer).Status).ShouldBe(403);
        (await DashboardBrowser.Text(olga, "#problem h1")).ShouldBe("Not allowed");
        (await DashboardBrowser.Text(olga, "#problem-message")).ShouldContain("Your roles do not allow this action");
        (await DashboardBrowser.Exists(olga, "nav a.brand")).ShouldBeTrue("in the dashboard's layout");
        (await DashboardBrowser.Text(olga, "body")).ShouldNotContain("problems/forbidden");
        await browser.Shot(olga, "refused-in-the-dashboard");
        (await refunds.Get(refund)).Status.ShouldBe("failed");

        // Support on a page gone stale: the refund was retried and refunded meanwhile; the action is refused with why.
        var sam = await browser.LoggedIn("sam", Password);
        await browser.Go(sam, $"/dashboard/refunds/{refund}");
        await refunds.ClearFaults("swish");
        var api = await refunds.As("ruth");
        (await api.PostAsync($"/refunds/{refund}/retry", null)).EnsureSuccessStatusCode();
        await refunds.WaitFor(refund, "refunded");
        await DashboardBrowser.Submit(sam, "#retry");
        (await DashboardBrowser.Text(sam, "#flash")).ShouldStartWith("Already refunded");
        await browser.Shot(sam, "stale-retry-refused");

        await browser.Go(sam, $"/dashboard/audit?entityType=refund&entityId={refund}");
        (await DashboardBrowser.Text(sam, "#audit tr[data-action='refund.cancel.refused']")).ShouldContain("olga");
        (await DashboardBrowser.Text(sam, "#audit tr[data-action='refund.cancel.refused'] td.outcome"))
            .ShouldStartWith("refused (403): Your roles do not allow this action");
        (await DashboardBrowser.Text(sam, "#audit tr[data-action='refund.retry.refused'] td.outcome")).ShouldStartWith("refused (409): Already refunded");
        (await DashboardBrowser.Text(sam, "#audit tr[data-action='refund.retry.refused']")).ShouldContain("sam");
        await browser.Shot(sam, "refusals-in-the-audit");
    }

    /// <summary>Waits without reloading; on a timeout the failure shows what the page last said.</summary>
    static async Task Until(IPage page, string condition)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, new WaitForFunctionOptions { Timeout = 60_000, PollingInterval = 250 });
        }
        catch (WaitTaskTimeoutException)
        {
            throw new ShouldAssertException($"Timed out waiting for {condition}; the page shows:\n{await DashboardBrowser.Text(page, "main")}");
        }
    }

    static async Task RetryAndConfirm(DashboardBrowser browser, IPage page, Guid refund)
    {
        await browser.Go(page, $"/dashboard/refunds/{refund}");
        await DashboardBrowser.Submit(page, "#retry");
        await DashboardBrowser.Submit(page, "#confirm-yes");
        (await DashboardBrowser.Text(page, "#flash")).ShouldBe("Retry requested.");
        // Gone on any reload or navigation: its presence at the end proves the page changed by itself.
        await page.EvaluateExpressionAsync("window.sameDocument = true");
    }

    static async Task UntilShown(IPage page, string status)
    {
        await Until(page, $"() => document.querySelector('#refund-status')?.innerText === '{status}'");
        (await SameDocument(page)).ShouldBeTrue("followed without a reload");
    }

    static Task<bool> SameDocument(IPage page) => page.EvaluateExpressionAsync<bool>("window.sameDocument === true");
}

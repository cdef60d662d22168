using System.Net;
using System.Text.RegularExpressions;
using Billing.Features.Access;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Dashboard;

/// <summary>The refunds page's bulk retry, posted as its form does: the time window narrows it and a bad one stops it.</summary>
public sealed partial class RefundsPageTests
{
    const string Page = "/dashboard/refunds";

    [Fact]
    public async Task A_bulk_retry_from_the_page_takes_only_refunds_requested_in_its_utc_window_and_a_window_that_does_not_read_retries_nothing()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var ids = await Task.WhenAll(refunds.Refund(Key(), RefundStack.Body("pi_window_1", 11m)), refunds.Refund(Key(), RefundStack.Body("pi_window_2", 12m)));
        foreach (var id in ids)
            await refunds.WaitFor(id, "failed");
        await refunds.ClearFaults("card");
        var requested = (await refunds.Get(ids[0])).RequestedAt.UtcDateTime;

        await refunds.Stack.ApiServices.GetRequiredService<StaffUsers>().Save("sara", "Sara", "a long enough password", [Roles.Support], "tests",
            CancellationToken.None);
        var browser = await LoginForm.LoggedIn(refunds.Stack, "sara", "a long enough password");

        (await BulkRetry(browser, requested.AddHours(-3), requested.AddHours(-2))).ShouldBe("Retry requested for 0 refund(s).");
        (await BulkRetry(browser, "yesterday", "")).ShouldBe("Nothing was retried: the time window is not a date and time.");
        await refunds.Stack.WaitUntilIdle();
        foreach (var id in ids)
            (await refunds.Get(id)).Status.ShouldBe("failed", "no window held it");

        // The matching window asks first, with the count; asking retries nothing, and a stale count asks again.
        var (from, to) = (requested.AddMinutes(-10), requested.AddMinutes(10));
        var question = $"Retry 2 refunds (card, from {from:yyyy-MM-dd HH:mm} UTC, before {to:yyyy-MM-dd HH:mm} UTC)?";
        (await Asked(browser, from, to, confirmed: null)).ShouldContain(question);
        (await Asked(browser, from, to, confirmed: "3")).ShouldContain("This changed since you were asked");
        await refunds.Stack.WaitUntilIdle();
        foreach (var id in ids)
            (await refunds.Get(id)).Status.ShouldBe("failed", "asked, not confirmed");

        (await BulkRetry(browser, from, to, confirmed: "2")).ShouldBe("Retry requested for 2 refund(s).");
        foreach (var id in ids)
            (await refunds.WaitFor(id, "refunded")).ManualRetryBy.ShouldBe("sara");
    }

    static Task<string> BulkRetry(HttpClient browser, DateTime from, DateTime to, string? confirmed = null) =>
        BulkRetry(browser, from.ToString("yyyy-MM-ddTHH:mm"), to.ToString("yyyy-MM-ddTHH:mm"), confirmed);

    /// <summary>Posts the bulk retry form by method and window, follows its redirect, and returns the line the page shows.</summary>
    static async Task<string> BulkRetry(HttpClient browser, string from, string to, string? confirmed = null)
    {
        using var posted = await Post(browser, from, to, confirmed);
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect, await posted.Content.ReadAsStringAsync());
        var page = await browser.GetStringAsync(posted.Headers.Location);
        var flash = Flash().Match(page);
        flash.Success.ShouldBeTrue("the page says what the retry did");
        return WebUtility.HtmlDecode(flash.Groups[1].Value);
    }

    /// <summary>Posts the form and returns the confirmation page it answers with (200, nothing done).</summary>
    static async Task<string> Asked(HttpClient browser, DateTime from, DateTime to, string? confirmed)
    {
        using var posted = await Post(browser, from.ToString("yyyy-MM-ddTHH:mm"), to.ToString("yyyy-MM-ddTHH:mm"), confirmed);
        var page = WebUtility.HtmlDecode(await posted.Content.ReadAsStringAsync());
        posted.StatusCode.ShouldBe(HttpStatusCode.OK, page);
        page.ShouldContain("id=\"confirm-yes\"");
        return page;
    }

    static async Task<HttpResponseMessage> Post(HttpClient browser, string from, string to, string? confirmed) =>
        await browser.PostAsync($"{Page}?handler=bulkRetry", await LoginForm.Form(browser, Page,
            [new("method", "card"), new("cause", ""), new("from", from), new("to", to), .. confirmed is null ? [] : new KeyValuePair<string, string>[] { new("confirmed", confirmed) }]));

    static string Key() => $"page-{Guid.NewGuid():N}";

    [GeneratedRegex("<p id=\"flash\" class=\"flash [a-z]+\">([^<]*)</p>")]
    private static partial Regex Flash();
}

using System.Net;
using System.Text.RegularExpressions;
using Billing.Features.Access;
using Billing.Tests.Passbook;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Dashboard;

/// <summary>The header search and the account page as a logged-in client reads them: the keys the browser test does not type, and input that must not break them.</summary>
public sealed partial class DashboardSearchTests
{
    const string Password = "a long enough password";

    [Fact]
    public async Task A_search_that_cannot_be_read_says_so_and_wildcards_or_quotes_in_it_find_nothing_instead_of_everyone()
    {
        await using var passbook = await PassbookStack.Start();
        await passbook.Account();
        await passbook.Account();
        var support = await Support(passbook);

        foreach (var (query, says) in new[] { ("", "Type an account id"), ("   ", "Type an account id"), (new string('k', 201), "at most 200") })
        {
            using var bad = await support.GetAsync($"/dashboard/search?q={Uri.EscapeDataString(query)}");
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            Problem().Match(await bad.Content.ReadAsStringAsync()).Groups[1].Value.ShouldContain(says);
        }

        // Fails if the name's LIKE takes the text's own % and _ as wildcards (every holder would match "%").
        foreach (var query in new[] { "%", "_", "Test%Holder", "' or 1=1 --", "\\" })
        {
            using var none = await support.GetAsync($"/dashboard/search?q={Uri.EscapeDataString(query)}");
            none.StatusCode.ShouldBe(HttpStatusCode.OK, query);
            (await none.Content.ReadAsStringAsync()).ShouldContain("id=\"nothing-found\"", customMessage: query);
        }
    }

    [Fact]
    public async Task A_phone_typed_with_spaces_and_a_provider_refund_id_each_lead_to_their_page()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        await passbook.Execute("update billing.account set phone = '+46701234567' where account_id = $1", account);
        await passbook.Repay(PassbookStack.Body(account, 100m, PassbookStack.PaymentId()));
        var overpaid = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 30m, overpaid));
        var refundId = await passbook.WaitForExcess(overpaid, "refunded");
        var providerRefundId = (await passbook.Refunds.Get(refundId)).ProviderRefundId!;
        var support = await Support(passbook);

        (await Lands(support, "+46 70-123 45 67")).ShouldBe($"/dashboard/accounts/{account}");
        (await Lands(support, providerRefundId)).ShouldBe($"/dashboard/refunds/{refundId}");
    }

    [Fact]
    public async Task The_passbook_pages_newest_first_and_each_line_shows_the_balance_after_it_counted_over_the_whole_account()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account();
        await passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            select $1, 'purchase', 1, 'SEK', 'p-' || i, now() - (130 - i) * interval '1 minute', now() - (130 - i) * interval '1 minute'
            from generate_series(1, 120) i
            """, account);
        var support = await Support(passbook);

        var first = Balances(await support.GetStringAsync($"/dashboard/accounts/{account}"));
        first.Count.ShouldBe(50);
        first[0].ShouldBe("120.00 SEK");
        // Fails if the running sum is taken over the page only (page 1 would start at 50.00, not 120.00; page 2 at 50.00, not 70.00).
        var second = Balances(await support.GetStringAsync($"/dashboard/accounts/{account}?page=2"));
        second[0].ShouldBe("70.00 SEK");
        var third = Balances(await support.GetStringAsync($"/dashboard/accounts/{account}?page=3"));
        third.Count.ShouldBe(20);
        third[^1].ShouldBe("1.00 SEK");

        using var unknown = await support.GetAsync("/dashboard/accounts/no-such-account");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("No account &#x27;no-such-account&#x27;.");
    }

    static async Task<HttpClient> Support(PassbookStack passbook)
    {
        await passbook.Stack.ApiServices.GetRequiredService<StaffUsers>().Save("sue", "Sue", Password, [Roles.Support], "tests", CancellationToken.None);
        return await LoginForm.LoggedIn(passbook.Stack, "sue", Password);
    }

    /// <summary>Where the search for <paramref name="query"/> sends the browser (one match: its page).</summary>
    static async Task<string> Lands(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/dashboard/search?q={Uri.EscapeDataString(query)}");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString();
    }

    static List<string> Balances(string html) =>
        [.. PassbookBalance().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value).Trim())];

    [GeneratedRegex("<p id=\"search-problem\" class=\"flash error\">([^<]*)</p>")]
    private static partial Regex Problem();

    // The last cell of each passbook row: the balance after the line.
    [GeneratedRegex("<tr data-entry=\"\\d+\">(?:(?!</tr>).)*<td class=\"num\">([^<]*)</td>\\s*</tr>", RegexOptions.Singleline)]
    private static partial Regex PassbookBalance();
}

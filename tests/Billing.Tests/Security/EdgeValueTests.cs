using System.Net;
using System.Text;
using Billing.Features.Access;
using Billing.Features.Refunds.Webhooks;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Security;

/// <summary>
/// Values at the edges of their types, each a 500 until now: a date whose default window reaches before year 1, page
/// numbers whose offset overflows an int on the dashboard's pages (the API guarded its own), and a signed Stripe event
/// whose <c>created</c> is no time .NET can hold. Each gets a 4xx problem and changes nothing.
/// </summary>
public sealed class EdgeValueTests
{
    const string Secret = "whsec_edge_values";

    [Fact]
    public async Task Dates_page_numbers_and_event_times_at_the_edges_of_their_types_get_a_4xx_not_a_500()
    {
        await using var stack = await ServiceStack.Start(new Dictionary<string, string> { ["Refunds__Webhooks__Stripe__Secret"] = Secret }, workers: 0);
        await stack.ApiServices.GetRequiredService<StaffUsers>().Save("ada", "Ada", "a long enough password", [.. Roles.All], "tests", CancellationToken.None);
        var browser = await LoginForm.LoggedIn(stack, "ada", "a long enough password");
        var before = await RowCounts.Snapshot(stack);

        using (var errors = await stack.Api.GetAsync("/refunds/errors?to=0001-01-01T00:00:00Z"))
            // Its default window (the 30 days before 'to') holds no instant at all.
            errors.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await errors.Content.ReadAsStringAsync());
        foreach (var page in new[] { "/dashboard/refunds?page=2147483647", "/dashboard/audit?page=2147483647" })
        {
            using var response = await browser.GetAsync(page);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, page + ": " + await response.Content.ReadAsStringAsync());
            (await response.Content.ReadAsStringAsync()).ShouldContain("Past the last page there can be.");
        }
        foreach (var created in new[] { "253402300800", "-62135596801", "9223372036854775807" })
        {
            var json = "{\"id\":\"evt_" + created + "\",\"object\":\"event\",\"type\":\"refund.failed\",\"created\":" + created
                + ",\"data\":{\"object\":{\"id\":\"re_1\",\"status\":\"failed\",\"metadata\":{\"refund_id\":\"" + Guid.NewGuid() + "\"}}}}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe")
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
                Headers = { { "Stripe-Signature", StripeSignature.Sign(json, Secret, DateTimeOffset.UtcNow) } },
            };
            using var response = await stack.AnonymousClient().SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"created {created}: " + await response.Content.ReadAsStringAsync());
            (await response.Content.ReadAsStringAsync()).ShouldContain("\"created\"");
        }

        RowCounts.Changes(before, await RowCounts.Snapshot(stack)).ShouldBeEmpty();
    }
}

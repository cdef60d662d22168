using Stripe;

namespace Billing.Tests.Providers;

/// <summary>
/// The official Stripe SDK (Stripe.net) against the card stand-in: it creates refunds and lists them with auto-paging,
/// proving that the stand-in's GET /v1/refunds pages (limit, starting_after, has_more) and filters by created as Stripe's
/// does, which the ledger auditor relies on. The SDK takes its API base and a System.Net.Http.HttpClient, here one that
/// sends to the stand-in's in-memory server.
/// </summary>
public sealed class StripeSdkTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task The_stripe_sdk_lists_refunds_created_since_a_time_newest_first_across_pages()
    {
        using var http = new HttpClient(_standIn.CreateHandler());
        var stripe = new StripeClient(new StripeClientOptions
        {
            ApiKey = "sk_test_stripe_sdk", ApiBase = _standIn.BaseAddress.ToString().TrimEnd('/'), HttpClient = new SystemNetHttpClient(http),
        });
        var refunds = new RefundService(stripe);
        await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = "pi_before", Amount = 100, Currency = "sek" });
        _standIn.Clock.Advance(TimeSpan.FromMinutes(1));
        var since = _standIn.Clock.GetUtcNow().UtcDateTime;
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var refund = await refunds.CreateAsync(new RefundCreateOptions
            {
                PaymentIntent = $"pi_{i}", Amount = 1000 + i, Currency = "sek", Metadata = new() { ["refund_id"] = $"r{i}" },
            });
            created.Add(refund.Id);
            _standIn.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Two to a page: the SDK follows starting_after until has_more is false; the refund created before is filtered out.
        var listed = new List<Refund>();
        await foreach (var refund in refunds.ListAutoPagingAsync(new RefundListOptions
                       { Limit = 2, Created = new DateRangeOptions { GreaterThanOrEqual = since } }))
            listed.Add(refund);

        listed.Select(r => r.Id).ShouldBe(Enumerable.Reverse(created));
        listed.Select(r => (r.Amount, r.Currency, r.Metadata["refund_id"])).First().ShouldBe((1004L, "sek", "r4"));
        listed.ShouldAllBe(r => r.Created >= since && r.Object == "refund");
        var firstPage = await refunds.ListAsync(new RefundListOptions { Limit = 2, Created = new DateRangeOptions { GreaterThanOrEqual = since } });
        (firstPage.Data.Count, firstPage.HasMore).ShouldBe((2, true));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}

using Billing.Features.Refunds.Providers;
using Billing.Providers.StandIn;

namespace Billing.Tests.Providers;

public sealed class SwishRefundProviderTests : IAsyncLifetime
{
    readonly ProviderAdapters _adapters = new();

    StandInHost StandIn => _adapters.StandIn;

    [Fact]
    public async Task A_swish_refund_is_paid_once_under_an_instruction_uuid_made_from_its_refund_id()
    {
        var order = ProviderAdapters.Order(12.50m, "SEK", paymentId: "6D6CD7406ECE4542A80152D909EF9F6B");
        var instruction = order.RefundId.ToString("N").ToUpperInvariant();

        var result = await _adapters.Swish.RefundAsync(order, CancellationToken.None);

        (result.Outcome, result.ProviderRefundId).ShouldBe((ProviderOutcome.Paid, instruction));
        var payment = (await StandIn.Ledger()).Payments.ShouldHaveSingleItem();
        (payment.Method, payment.IdempotencyKey, payment.Reference, payment.AmountMinor, payment.Currency)
            .ShouldBe((PaymentMethod.Swish, instruction, order.RefundId.ToString("N"), 1250L, "SEK"));
    }

    [Fact]
    public async Task Refunding_the_same_order_again_pays_once()
    {
        var order = ProviderAdapters.Order();

        var first = await _adapters.Swish.RefundAsync(order, CancellationToken.None);
        var again = await _adapters.Swish.RefundAsync(order, CancellationToken.None);

        (first.Outcome, again.Outcome).ShouldBe((ProviderOutcome.Paid, ProviderOutcome.Paid));
        (await StandIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Theory]
    [InlineData("12.50", "EUR", "AM03")]
    [InlineData("0.50", "SEK", "AM06")]
    public async Task A_refund_swish_refuses_is_declined_with_its_error_code(string amount, string currency, string code)
    {
        var result = await _adapters.Swish.RefundAsync(
            ProviderAdapters.Order(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency), CancellationToken.None);

        (result.Outcome, result.Code).ShouldBe((ProviderOutcome.Declined, code));
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_declined_swish_refund_is_declined_with_rf07_on_refund_lookup_and_retry_and_pays_nothing()
    {
        await StandIn.SetFaults("swish", """{"failRate":1.0,"failMode":"nonRetryable","seed":7}""");
        var order = ProviderAdapters.Order();

        var refund = await _adapters.Swish.RefundAsync(order, CancellationToken.None);
        await StandIn.ResetFaults("swish");
        var lookup = await _adapters.Swish.LookupAsync(order, CancellationToken.None);
        var retry = await _adapters.Swish.RefundAsync(order, CancellationToken.None);

        (refund.Outcome, refund.Code).ShouldBe((ProviderOutcome.Declined, "RF07"));
        (lookup.Outcome, lookup.Code).ShouldBe((ProviderOutcome.Declined, "RF07"));
        (retry.Outcome, retry.Code).ShouldBe((ProviderOutcome.Declined, "RF07"));
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task Retryable_swish_failures_are_unavailable_pay_nothing_and_a_later_retry_pays_once()
    {
        await StandIn.SetFaults("swish", """{"failRate":1.0,"failMode":"retryable","seed":7}""");
        var orders = Enumerable.Range(0, 12).Select(_ => ProviderAdapters.Order()).ToList();

        var results = new List<ProviderResult>();
        foreach (var order in orders)
            results.Add(await _adapters.Swish.RefundAsync(order, CancellationToken.None));

        results.ShouldAllBe(r => r.Outcome == ProviderOutcome.Unavailable);
        results.Select(r => r.Code).Distinct().Order().ShouldBe(["http_500", "http_503"]);
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();

        await StandIn.ResetFaults("swish");
        (await _adapters.Swish.RefundAsync(orders[0], CancellationToken.None)).Outcome.ShouldBe(ProviderOutcome.Paid);
        (await StandIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Fact]
    public async Task A_dark_swish_provider_is_unavailable_for_refunds_and_lookups()
    {
        await StandIn.SetFaults("swish", $$"""{"darkUntil":"{{StandIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");
        var order = ProviderAdapters.Order();

        var refund = await _adapters.Swish.RefundAsync(order, CancellationToken.None);
        var lookup = await _adapters.Swish.LookupAsync(order, CancellationToken.None);

        (refund.Outcome, refund.Code).ShouldBe((ProviderOutcome.Unavailable, "http_503"));
        lookup.Outcome.ShouldBe(ProviderOutcome.Unavailable);
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_lookup_of_a_swish_refund_never_made_is_not_found()
    {
        var result = await _adapters.Swish.LookupAsync(ProviderAdapters.Order(), CancellationToken.None);

        result.Outcome.ShouldBe(ProviderOutcome.NotFound);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _adapters.DisposeAsync();
}

using Billing.Features.Refunds.Providers;
using Billing.Providers.StandIn;

namespace Billing.Tests.Providers;

public sealed class StripeCardRefundProviderTests : IAsyncLifetime
{
    readonly ProviderAdapters _adapters = new();

    StandInHost StandIn => _adapters.StandIn;

    [Fact]
    public async Task A_card_refund_is_paid_once_under_its_refund_id_as_the_idempotency_key()
    {
        var order = ProviderAdapters.Order(12.50m, "SEK");

        var result = await _adapters.Card.RefundAsync(order, CancellationToken.None);

        result.Outcome.ShouldBe(ProviderOutcome.Paid);
        result.ProviderRefundId.ShouldStartWith("re_");
        var payment = (await StandIn.Ledger()).Payments.ShouldHaveSingleItem();
        (payment.Method, payment.IdempotencyKey, payment.Reference, payment.RefundId, payment.AmountMinor, payment.Currency)
            .ShouldBe((PaymentMethod.Card, order.RefundId.ToString(), order.RefundId.ToString(), result.ProviderRefundId, 1250L, "SEK"));
    }

    [Theory]
    [InlineData("12.50", "SEK", 1250)]
    [InlineData("0.05", "EUR", 5)]
    [InlineData("1000", "JPY", 1000)]
    public async Task Card_amounts_are_sent_in_the_currencys_minor_units(string amount, string currency, long minor)
    {
        var result = await _adapters.Card.RefundAsync(ProviderAdapters.Order(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency), CancellationToken.None);

        result.Outcome.ShouldBe(ProviderOutcome.Paid);
        var payment = (await StandIn.Ledger()).Payments.ShouldHaveSingleItem();
        (payment.AmountMinor, payment.Currency).ShouldBe((minor, currency));
    }

    [Fact]
    public async Task An_amount_finer_than_the_currency_allows_is_refused_before_anything_is_sent()
    {
        await Should.ThrowAsync<ArgumentException>(() => _adapters.Card.RefundAsync(ProviderAdapters.Order(12.345m, "SEK"), CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => _adapters.Card.RefundAsync(ProviderAdapters.Order(100.5m, "JPY"), CancellationToken.None));

        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task Refunding_the_same_order_again_replays_the_refund_and_pays_once()
    {
        var order = ProviderAdapters.Order();

        var first = await _adapters.Card.RefundAsync(order, CancellationToken.None);
        var again = await _adapters.Card.RefundAsync(order, CancellationToken.None);

        (first.Outcome, again.Outcome).ShouldBe((ProviderOutcome.Paid, ProviderOutcome.Paid));
        again.ProviderRefundId.ShouldBe(first.ProviderRefundId);
        (await StandIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Fact]
    public async Task A_reason_stripe_does_not_know_travels_in_metadata_instead_of_failing_the_refund()
    {
        var result = await _adapters.Card.RefundAsync(ProviderAdapters.Order(reason: "Customer was billed twice in March"), CancellationToken.None);

        result.Outcome.ShouldBe(ProviderOutcome.Paid);
        (await StandIn.Ledger()).Payments.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Non_retryable_failures_are_declined_with_stripes_code_pay_nothing_and_stay_declined()
    {
        await StandIn.SetFaults("card", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");
        var orders = Enumerable.Range(0, 12).Select(_ => ProviderAdapters.Order()).ToList();

        var results = new List<ProviderResult>();
        foreach (var order in orders)
            results.Add(await _adapters.Card.RefundAsync(order, CancellationToken.None));

        results.ShouldAllBe(r => r.Outcome == ProviderOutcome.Declined && r.Message != null);
        results.Select(r => r.Code).Distinct().Order().ShouldBe(["card_declined", "charge_already_refunded"]);

        await StandIn.ResetFaults("card");
        var retry = await _adapters.Card.RefundAsync(orders[0], CancellationToken.None);
        (retry.Outcome, retry.Code).ShouldBe((ProviderOutcome.Declined, results[0].Code));
        (await _adapters.Card.LookupAsync(orders[0], CancellationToken.None)).Outcome.ShouldBe(ProviderOutcome.NotFound);
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task Retryable_failures_are_unavailable_pay_nothing_and_a_500_spends_the_key_and_is_unknown_when_replayed()
    {
        await StandIn.SetFaults("card", """{"failRate":1.0,"failMode":"retryable","seed":42}""");
        var orders = Enumerable.Range(0, 12).Select(_ => ProviderAdapters.Order()).ToList();

        var results = new List<ProviderResult>();
        foreach (var order in orders)
            results.Add(await _adapters.Card.RefundAsync(order, CancellationToken.None));

        results.ShouldAllBe(r => r.Outcome == ProviderOutcome.Unavailable);
        // 500 answers Stripe's api_error without a code, 429 its rate_limit; Stripe replays a 500 for its key, so it spends it.
        results.Select(r => r.Code).Distinct().Order().ShouldBe(["api_error", "rate_limit"]);
        results.ShouldAllBe(r => r.KeySpent == (r.Code == "api_error"));
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();

        await StandIn.ResetFaults("card");
        var limited = orders[results.FindIndex(r => r.Code == "rate_limit")];
        (await _adapters.Card.RefundAsync(limited, CancellationToken.None)).Outcome.ShouldBe(ProviderOutcome.Paid);
        var failed = orders[results.FindIndex(r => r.Code == "api_error")];
        var replayed = await _adapters.Card.RefundAsync(failed, CancellationToken.None);
        (replayed.Outcome, replayed.KeySpent).ShouldBe((ProviderOutcome.Unknown, true), "a replayed 500 says nothing of what happened");
        (await _adapters.Card.RefundAsync(failed with { KeyGeneration = 1 }, CancellationToken.None)).Outcome.ShouldBe(ProviderOutcome.Paid);
        (await StandIn.Ledger()).Payments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_dark_card_provider_is_unavailable_for_refunds_and_lookups()
    {
        await StandIn.SetFaults("card", $$"""{"darkUntil":"{{StandIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");
        var order = ProviderAdapters.Order();

        var refund = await _adapters.Card.RefundAsync(order, CancellationToken.None);
        var lookup = await _adapters.Card.LookupAsync(order, CancellationToken.None);

        (refund.Outcome, refund.Code).ShouldBe((ProviderOutcome.Unavailable, "api_error"));
        lookup.Outcome.ShouldBe(ProviderOutcome.Unavailable);
        (await StandIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_lookup_finds_only_its_own_refund_among_the_payment_intents_refunds()
    {
        var paid = ProviderAdapters.Order(paymentId: "pi_7");
        var neverSent = ProviderAdapters.Order(paymentId: "pi_7");
        await _adapters.Card.RefundAsync(paid, CancellationToken.None);

        var found = await _adapters.Card.LookupAsync(paid, CancellationToken.None);
        var notFound = await _adapters.Card.LookupAsync(neverSent, CancellationToken.None);

        found.Outcome.ShouldBe(ProviderOutcome.Paid);
        found.ProviderRefundId.ShouldBe((await StandIn.Ledger()).Payments.ShouldHaveSingleItem().RefundId);
        notFound.Outcome.ShouldBe(ProviderOutcome.NotFound);
        (await StandIn.Ledger()).Payments.ShouldHaveSingleItem("a lookup pays nothing");
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_mistaken_for_a_provider_timeout()
    {
        await StandIn.SetFaults("card", """{"latencyMs":5000}""");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(() => _adapters.Card.RefundAsync(ProviderAdapters.Order(), cancel.Token));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _adapters.DisposeAsync();
}

using System.Net;
using Billing.Providers.StandIn;

namespace Billing.Tests.Providers;

public sealed class CardRefundTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task A_card_refund_succeeds_in_stripes_shape_and_is_paid_into_the_ledger_once()
    {
        var response = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(amount: 1250, refundId: "rf-1"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var refund = await response.Body();
        refund.Text("id").ShouldStartWith("re_");
        refund.Text("object").ShouldBe("refund");
        refund.GetProperty("amount").GetInt64().ShouldBe(1250);
        refund.Text("currency").ShouldBe("sek");
        refund.Text("payment_intent").ShouldBe("pi_1");
        refund.Text("status").ShouldBe("succeeded");
        refund.GetProperty("metadata").Text("refund_id").ShouldBe("rf-1");

        var ledger = await _standIn.Ledger();
        var payment = ledger.Payments.ShouldHaveSingleItem();
        (payment.Method, payment.IdempotencyKey, payment.Reference, payment.AmountMinor, payment.Currency)
            .ShouldBe((PaymentMethod.Card, "rf-1", "rf-1", 1250L, "SEK"));
        ledger.Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    // Fails if the stand-in requires currency (it answered 400 parameter_missing, where Stripe takes the payment intent's).
    [Fact]
    public async Task A_refund_without_currency_is_in_its_payment_intents_currency_and_another_currency_is_refused()
    {
        using (var known = await _standIn.Client.PutAsync("/control/payment-intents/pi_eur",
                   new StringContent("""{"currency":"eur"}""", System.Text.Encoding.UTF8, "application/json")))
            known.EnsureSuccessStatusCode();
        var form = StandInHost.CardRefund(paymentIntent: "pi_eur", refundId: "rf-eur");
        form.Remove("currency");

        using var paid = await _standIn.PostCardRefund("rf-eur", form);
        using var other = await _standIn.PostCardRefund("rf-sek", StandInHost.CardRefund(paymentIntent: "pi_eur", refundId: "rf-sek"));
        var unknownIntent = StandInHost.CardRefund(paymentIntent: "pi_new", refundId: "rf-new");
        unknownIntent.Remove("currency");
        using var defaulted = await _standIn.PostCardRefund("rf-new", unknownIntent);

        paid.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await paid.Body()).Text("currency").ShouldBe("eur");
        other.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await other.StripeError()).Text("code").ShouldBe("currency_mismatch");
        (await defaulted.Body()).Text("currency").ShouldBe("sek", "StandIn:DefaultCurrency for an intent it has not seen");
        (await _standIn.Ledger()).Payments.Select(p => p.Currency).ShouldBe(["EUR", "SEK"]);
    }

    [Fact]
    public async Task A_pending_refund_is_answered_pending_and_read_back_succeeded_once_its_time_has_come()
    {
        await _standIn.SetFaults("card", """{"pendingRate":1.0}""");

        using var created = await _standIn.PostCardRefund("rf-pending", StandInHost.CardRefund(paymentIntent: "pi_pending", refundId: "rf-pending"));
        var refund = await created.Body();
        refund.Text("status").ShouldBe("pending");

        (await _standIn.Client.GetStringAsync($"/v1/refunds/{refund.Text("id")}")).ShouldContain("\"pending\"", Case.Sensitive, "not yet");
        _standIn.Clock.Advance(TimeSpan.FromSeconds(3));
        (await _standIn.Client.GetStringAsync("/v1/refunds?payment_intent=pi_pending")).ShouldContain("\"succeeded\"");
        (await _standIn.Client.GetStringAsync($"/v1/refunds/{refund.Text("id")}")).ShouldContain("\"succeeded\"");
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_retry_with_the_same_idempotency_key_replays_the_refund_without_paying_again()
    {
        var first = await (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund())).Body();
        var retry = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund());

        retry.StatusCode.ShouldBe(HttpStatusCode.OK);
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await retry.Body()).Text("id").ShouldBe(first.Text("id"));
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task The_same_idempotency_key_with_a_different_amount_is_rejected_and_pays_nothing_more()
    {
        await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(amount: 1250));
        var reused = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(amount: 9999));

        reused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await reused.StripeError()).Text("type").ShouldBe("idempotency_error");
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem().AmountMinor.ShouldBe(1250);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_idempotency_key_pay_once_and_all_see_the_same_refund()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _standIn.PostCardRefund("rf-1", StandInHost.CardRefund())));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Body()).Text("id")));
        ids.Distinct().ShouldHaveSingleItem();
        (await _standIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Fact]
    public async Task A_paid_refund_is_found_by_id_by_payment_intent_and_by_idempotency_key()
    {
        var id = (await (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(paymentIntent: "pi_7"))).Body()).Text("id");

        (await (await _standIn.Client.GetAsync($"/v1/refunds/{id}")).Body()).Text("status").ShouldBe("succeeded");
        var list = await (await _standIn.Client.GetAsync("/v1/refunds?payment_intent=pi_7")).Body();
        list.Text("object").ShouldBe("list");
        list.GetProperty("data").EnumerateArray().ShouldHaveSingleItem().Text("id").ShouldBe(id);
        (await (await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-1")).Body()).Text("id").ShouldBe(id);

        var unknown = await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-never-sent");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknown.StripeError()).Text("code").ShouldBe("resource_missing");
    }

    [Fact]
    public async Task A_request_without_an_api_key_is_refused_in_stripes_shape_and_pays_nothing()
    {
        using var anonymous = _standIn.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;

        var response = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(), anonymous);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.StripeError()).Text("type").ShouldBe("invalid_request_error");
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("amount", "12.50", "parameter_invalid_integer")]
    [InlineData("amount", "-100", "parameter_invalid_integer")]
    [InlineData("amount", "0", "parameter_invalid_integer")]
    [InlineData("amount", "", "parameter_missing")]
    [InlineData("currency", "SEKK", "parameter_invalid_string")]
    [InlineData("currency", "SEK", "parameter_invalid_string")]
    [InlineData("payment_intent", "", "parameter_missing")]
    [InlineData("reason", "because", "parameter_invalid_string")]
    [InlineData("paymentIntent", "pi_1", "parameter_unknown")]
    public async Task Bad_card_input_gets_a_stripe_error_and_records_nothing(string param, string value, string code)
    {
        var form = StandInHost.CardRefund();
        form[param] = value;

        var response = await _standIn.PostCardRefund("rf-1", form);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = await response.StripeError();
        (error.Text("type"), error.Text("code"), error.Text("param")).ShouldBe(("invalid_request_error", code, param));
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();

        // Nothing was kept under the key either: the corrected request goes through.
        (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund())).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}

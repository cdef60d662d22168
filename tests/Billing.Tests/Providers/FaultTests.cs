using System.Diagnostics;
using System.Net;
using System.Text;

namespace Billing.Tests.Providers;

public sealed class FaultTests : IAsyncLifetime
{
    const string Instruction = "7C1D2E3F4A5B6C7D8E9FA0B1C2D3E4F5";

    readonly StandInHost _standIn = new();

    [Fact]
    public async Task A_card_provider_that_times_out_after_paying_pays_once_when_the_client_retries_with_the_same_key()
    {
        await _standIn.SetFaults("card", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var impatient = _standIn.CreateClient(timeout: TimeSpan.FromSeconds(1));

        await Should.ThrowAsync<TaskCanceledException>(() => _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(), impatient));
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem("the money moved although the client saw a timeout");

        var retry = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund());

        retry.StatusCode.ShouldBe(HttpStatusCode.OK);
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await retry.Body()).Text("status").ShouldBe("succeeded");
        (await _standIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Fact]
    public async Task A_swish_provider_that_times_out_after_paying_shows_the_refund_paid_and_pays_once_on_retry()
    {
        await _standIn.SetFaults("swish", """{"timeoutAfterPayRate":1.0,"seed":42}""");
        using var impatient = _standIn.CreateClient(timeout: TimeSpan.FromSeconds(1));

        await Should.ThrowAsync<TaskCanceledException>(() => _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund(), impatient));
        (await (await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}")).Body()).Text("status").ShouldBe("PAID");

        (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _standIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    [Fact]
    public async Task Retryable_card_failures_pay_nothing_a_429_lets_a_retry_with_the_same_key_pay_and_a_500_is_replayed_for_its_key()
    {
        await _standIn.SetFaults("card", """{"failRate":1.0,"failMode":"retryable","seed":42}""");

        var failures = new List<(string Key, HttpStatusCode Status, string Type, string Code)>();
        foreach (var key in Enumerable.Range(1, 12).Select(i => $"rf-{i}"))
        {
            var response = await _standIn.PostCardRefund(key, StandInHost.CardRefund(refundId: key));
            var error = await response.StripeError();
            failures.Add((key, response.StatusCode, error.Text("type"), error.Text("code")));
        }

        failures.Select(f => (f.Status, f.Type, f.Code)).Distinct().OrderBy(f => f.Status).ShouldBe([
            (HttpStatusCode.TooManyRequests, "invalid_request_error", "rate_limit"),
            (HttpStatusCode.InternalServerError, "api_error", ""),
        ]);
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();

        // As at Stripe: a 429 is refused before anything runs, so the same key later pays; a 500 is saved under its key
        // and replayed (Idempotent-Replayed), so only a new key gets past it.
        await _standIn.ResetFaults("card");
        var limited = failures.First(f => f.Status == HttpStatusCode.TooManyRequests).Key;
        (await _standIn.PostCardRefund(limited, StandInHost.CardRefund(refundId: limited))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var failed = failures.First(f => f.Status == HttpStatusCode.InternalServerError).Key;
        using var replayed = await _standIn.PostCardRefund(failed, StandInHost.CardRefund(refundId: failed));
        replayed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        replayed.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await _standIn.PostCardRefund($"{failed}.1", StandInHost.CardRefund(refundId: failed))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _standIn.Ledger()).Payments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Non_retryable_card_failures_pay_nothing_and_stay_declined_for_that_key()
    {
        await _standIn.SetFaults("card", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");

        var declines = new List<(HttpStatusCode, string, string)>();
        foreach (var key in Enumerable.Range(1, 12).Select(i => $"rf-{i}"))
        {
            var response = await _standIn.PostCardRefund(key, StandInHost.CardRefund(refundId: key));
            var error = await response.StripeError();
            declines.Add((response.StatusCode, error.Text("type"), error.Text("code")));
        }

        declines.Distinct().OrderBy(d => d.Item1).ShouldBe([
            (HttpStatusCode.BadRequest, "invalid_request_error", "charge_already_refunded"),
            (HttpStatusCode.PaymentRequired, "card_error", "card_declined"),
        ]);

        // A decline is a definite outcome, kept under its key like Stripe keeps it: the retry is declined again.
        await _standIn.ResetFaults("card");
        var retry = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund(refundId: "rf-1"));
        ((int)retry.StatusCode).ShouldBe((int)declines[0].Item1);
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task Swish_failures_pay_nothing_retryable_ones_answer_5xx_and_declines_answer_422_rf07()
    {
        await _standIn.SetFaults("swish", """{"failRate":1.0,"failMode":"retryable","seed":7}""");
        var retryable = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ => (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode));
        retryable.Distinct().Order().ShouldBe([HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable]);

        await _standIn.SetFaults("swish", """{"failRate":1.0,"failMode":"nonRetryable","seed":7}""");
        var declined = await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund());
        declined.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await declined.SwishErrorCodes()).ShouldBe(["RF07"]);

        var refund = await (await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}")).Body();
        (refund.Text("status"), refund.Text("errorCode")).ShouldBe(("ERROR", "RF07"));
        (await _standIn.Ledger()).Payments.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dark_method_answers_503_until_its_window_ends_while_the_other_method_keeps_paying()
    {
        await _standIn.SetFaults("card", $$"""{"darkUntil":"{{_standIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");

        var dark = await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund());
        dark.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await dark.StripeError()).Text("type").ShouldBe("api_error");
        (await _standIn.Client.GetAsync("/v1/refunds/by-idempotency-key/rf-1")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await _standIn.PutSwishRefund(Instruction, StandInHost.SwishRefund())).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _standIn.Ledger()).Payments.ShouldHaveSingleItem().Method.ShouldBe(Billing.Providers.StandIn.PaymentMethod.Swish);

        _standIn.Clock.Advance(TimeSpan.FromSeconds(61));

        (await _standIn.PostCardRefund("rf-1", StandInHost.CardRefund())).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _standIn.Ledger()).Payments.Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_outcomes_in_the_same_order()
    {
        await using var twin = new StandInHost();
        const string faults = """{"failRate":0.5,"failMode":"retryable","seed":1234}""";
        await _standIn.SetFaults("card", faults);
        await twin.SetFaults("card", faults);

        async Task<HttpStatusCode[]> Outcomes(StandInHost host)
        {
            var outcomes = new List<HttpStatusCode>();
            for (var i = 0; i < 20; i++)
                outcomes.Add((await host.PostCardRefund($"rf-{i}", StandInHost.CardRefund(refundId: $"rf-{i}"))).StatusCode);
            return [.. outcomes];
        }

        var first = await Outcomes(_standIn);
        (await Outcomes(twin)).ShouldBe(first);
        first.ShouldContain(HttpStatusCode.OK);
        first.ShouldContain(s => s != HttpStatusCode.OK);
    }

    [Fact]
    public async Task Latency_delays_every_answer_of_its_method()
    {
        await _standIn.SetFaults("swish", """{"latencyMs":300}""");

        var clock = Stopwatch.StartNew();
        (await _standIn.Client.GetAsync($"/swish-cpcapi/api/v1/refunds/{Instruction}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Timers tick in whole milliseconds and can fire a fraction early against the Stopwatch (seen: 299.5 ms);
        // without the latency the answer takes a few milliseconds, so the margin keeps the test able to fail.
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280));
    }

    [Theory]
    [InlineData("card", """{"failRate":1.5}""", HttpStatusCode.BadRequest)]
    [InlineData("card", """{"latencyMs":-1}""", HttpStatusCode.BadRequest)]
    [InlineData("paypal", """{"failRate":0.5}""", HttpStatusCode.NotFound)]
    public async Task Fault_settings_that_make_no_sense_are_refused(string method, string json, HttpStatusCode expected)
    {
        var response = await _standIn.Client.PutAsync($"/control/faults/{method}", new StringContent(json, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(expected);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

public class RefundIntakeTests
{
    [Fact]
    public async Task The_same_key_and_body_give_one_refund_however_often_and_concurrently_they_are_sent()
    {
        await using var refunds = await RefundStack.Start();
        var key = Key();
        var body = RefundStack.Body("pi_dup", 20m);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => refunds.PostRefund(key, body)));
        var ids = new List<Guid>();
        foreach (var response in responses)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("refundId").GetGuid());
        }

        ids.Distinct().ShouldHaveSingleItem();
        await refunds.WaitFor(ids[0], "refunded");
        (await refunds.Count("select count(*) from refunds.refund where idempotency_key = $1", key)).ShouldBe(1);
        (await refunds.TimesPaid(ids[0])).ShouldBe(1);

        using var replay = await refunds.PostRefund(key, body);
        replay.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var answer = JsonDocument.Parse(await replay.Content.ReadAsStringAsync()).RootElement;
        answer.GetProperty("status").GetString().ShouldBe("refunded");
        answer.GetProperty("replayed").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_conflict_and_changes_nothing()
    {
        await using var refunds = await RefundStack.Start();
        var key = Key();
        var id = await refunds.Refund(key, RefundStack.Body("pi_conflict", 20m));

        using var conflict = await refunds.PostRefund(key, RefundStack.Body("pi_conflict", 21m));

        conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        conflict.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await conflict.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("code").GetString().ShouldBe("idempotency_conflict");
        problem.GetProperty("refundId").GetGuid().ShouldBe(id);
        var refund = await refunds.WaitFor(id, "refunded");
        refund.Amount.ShouldBe(20m);
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_requests_of_one_key_with_two_bodies_make_one_refund_of_one_body_and_conflict_for_the_other()
    {
        await using var refunds = await RefundStack.Start();
        var key = Key();
        var bodies = new[] { RefundStack.Body("pi_race_body", 20m), RefundStack.Body("pi_race_body", 21m) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => refunds.PostRefund(key, bodies[i % 2])));

        var codes = responses.Select((r, i) => (Body: i % 2, r.StatusCode)).ToList();
        var winner = codes.First(c => c.StatusCode == HttpStatusCode.Accepted).Body;
        codes.ShouldAllBe(c => c.StatusCode == (c.Body == winner ? HttpStatusCode.Accepted : HttpStatusCode.Conflict),
            string.Join(", ", codes));
        var stored = await Eventually.Found("the one refund stored", async () => await refunds.Count(
            "select count(*) from refunds.refund where idempotency_key = $1", key) == 1 ? "stored" : null);
        (await refunds.Count("select (amount * 100)::bigint from refunds.refund where idempotency_key = $1", key)).ShouldBe(winner == 0 ? 2000 : 2100);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"paymentId":"pi_1","amount":0,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":10,"currency":"SEK","method":"card","reason":"x"}""" .Replace("\"x\"", $"\"{new string('x', 600)}\""), "reason" },
        { """{"paymentId":"pi_1","amount":-5,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":1.005,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":10,"currency":"XXX","method":"card"}""", "currency" },
        { """{"paymentId":"pi_1","amount":10,"currency":"SEK","method":"cheque"}""", "method" },
        { """{"amount":10,"currency":"SEK","method":"card"}""", "paymentId" },
        // Was a 500: the minor-units check overflowed decimal.
        { """{"paymentId":"pi_1","amount":1e27,"currency":"SEK","method":"card"}""", "amount" },
        // What the method's provider will never accept (were accepted, then declined by the provider).
        { """{"paymentId":"pi_1","amount":1000000,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"sw_1","amount":10,"currency":"EUR","method":"swish"}""", "currency" },
        { """{"paymentId":"sw_1","amount":0.50,"currency":"SEK","method":"swish"}""", "amount" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_a_400_with_problem_details_and_stores_nothing(string json, string field)
    {
        // The API answers shape errors itself: no worker needed, and none may see anything.
        await using var refunds = await RefundStack.Start(workers: 0);
        var key = Key();

        using var response = await Post(refunds, key, json);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field], problem.ToString());
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(0);

    }

    // It was a 500: a page past what an int offset holds.
    [Fact]
    public async Task A_page_too_far_is_a_400_and_stores_nothing()
    {
        await using var refunds = await RefundStack.Start(workers: 0);

        using var page = await refunds.Api.GetAsync("/refunds?page=2147483647");
        page.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(0);
    }

    [Fact]
    public async Task The_limits_a_provider_never_accepts_are_named_in_the_400()
    {
        await using var refunds = await RefundStack.Start(workers: 0);

        using var stripe = await refunds.PostRefund(Key(), RefundStack.Body("pi_big", 1_000_000m));
        using var swish = await refunds.PostRefund(Key(), RefundStack.Body("sw_small", 0.99m, method: "swish"));

        (await stripe.Content.ReadAsStringAsync()).ShouldContain("Stripe refunds at most 99999999 minor units");
        (await swish.Content.ReadAsStringAsync()).ShouldContain("Swish refunds at least 1.00 SEK");
    }

    // Fails if a refusal without a response address only goes to a response nobody waits for (it vanished: no row, no event).
    [Fact]
    public async Task A_refused_internal_request_is_published_and_kept_with_its_reason()
    {
        await using var refunds = await RefundStack.Start();
        await using var rejections = await MessageProbe<RefundRejected>.Start(refunds.Stack.Ground);
        await using var bus = await TestBus.Start(refunds.Stack.Ground);
        await refunds.KnownPayment("pi_internal", 10m);

        var request = RequestRefund.Create(Key(), "pi_internal", 11m, "SEK", "card", "excess repayment", requestedBy: "billing");
        await bus.Bus.Publish(request);

        var rejected = await Eventually.Get("the refusal published", () => Task.FromResult(rejections.Received), r => r.Count > 0);
        (rejected.ShouldHaveSingleItem().RefundId, rejected[0].Code).ShouldBe((request.RefundId, RefundRejections.ExceedsRefundable));
        (await refunds.Count("select count(*) from refunds.rejected_request where refund_id = $1 and code = 'exceeds_refundable' and detail like '%10.00 SEK%'",
            request.RefundId)).ShouldBe(1);
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(0);
    }

    // Fails if nothing in the service writes refunds.payment (it did not: the guard ran only in tests that seeded it).
    [Fact]
    public async Task A_payment_recorded_on_the_bus_is_guarded_against_refunding_more_than_it()
    {
        await using var refunds = await RefundStack.Start();
        await using var bus = await TestBus.Start(refunds.Stack.Ground);
        await bus.Bus.Publish(new RecordRefundablePayment("pi_recorded", 20m, "SEK", "card", DateTimeOffset.UtcNow));
        await Eventually.Until("the payment recorded", async () =>
            await refunds.Count("select count(*) from refunds.payment where payment_id = 'pi_recorded'") == 1);

        await refunds.Refund(Key(), RefundStack.Body("pi_recorded", 15m));
        using var tooMuch = await refunds.PostRefund(Key(), RefundStack.Body("pi_recorded", 5.01m));

        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooMuch.Content.ReadAsStringAsync()).ShouldContain("exceeds_refundable");
    }

    [Fact]
    public async Task Malformed_json_and_a_missing_key_are_400s()
    {
        await using var refunds = await RefundStack.Start(workers: 0);

        using var malformed = await Post(refunds, Key(), "{\"paymentId\": ");
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        malformed.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        using var keyless = await refunds.Api.PostAsJsonAsync("/refunds", RefundStack.Body("pi_1", 10m));
        keyless.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await keyless.Content.ReadAsStringAsync()).ShouldContain("Idempotency-Key");
    }

    [Fact]
    public async Task A_known_payment_cannot_be_refunded_beyond_what_is_left_of_it()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.KnownPayment("pi_known", 100m);

        await refunds.Refund(Key(), RefundStack.Body("pi_known", 60m));
        using var tooMuch = await refunds.PostRefund(Key(), RefundStack.Body("pi_known", 40.01m));
        using var wrongCurrency = await refunds.PostRefund(Key(), RefundStack.Body("pi_known", 1m, currency: "EUR"));
        await refunds.Refund(Key(), RefundStack.Body("pi_known", 40m));

        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var tooMuchProblem = JsonDocument.Parse(await tooMuch.Content.ReadAsStringAsync()).RootElement;
        tooMuchProblem.GetProperty("code").GetString().ShouldBe("exceeds_refundable");
        tooMuchProblem.GetProperty("detail").GetString()!.ShouldContain("40.00 SEK");
        wrongCurrency.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await wrongCurrency.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString().ShouldBe("currency_mismatch");
        (await refunds.Count("select count(*) from refunds.refund where payment_id = 'pi_known'")).ShouldBe(2);
    }

    [Fact]
    public async Task Concurrent_refunds_of_one_payment_never_exceed_it()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.KnownPayment("pi_race", 100m);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => refunds.PostRefund(Key(), RefundStack.Body("pi_race", 30m))));

        responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(3);
        responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest).ShouldBe(7);
        (await refunds.Count("select count(*) from refunds.refund where payment_id = 'pi_race'")).ShouldBe(3);
    }

    [Fact]
    public async Task Unknown_refunds_are_404s()
    {
        await using var refunds = await RefundStack.Start(workers: 0);

        using var get = await refunds.Api.GetAsync($"/refunds/{Guid.NewGuid()}");
        using var retry = await (await refunds.As("alice")).PostAsJsonAsync($"/refunds/{Guid.NewGuid()}/retry", new { });

        get.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        get.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        retry.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Refunds_are_listed_by_status_and_method_newest_first_in_pages()
    {
        await using var refunds = await RefundStack.Start();
        var swish = new List<Guid>();
        for (var i = 0; i < 5; i++)
            swish.Add(await refunds.Refund(Key(), RefundStack.Body($"swish_list_{i}", 5m + i, method: "swish")));
        var card = await refunds.Refund(Key(), RefundStack.Body("pi_list", 9m));
        // Paid before Swish starts declining: the intake's answer comes before the lane's attempt, which would otherwise race the fault.
        foreach (var id in swish.Append(card))
            await refunds.WaitFor(id, "refunded");
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var declined = await refunds.Refund(Key(), RefundStack.Body("swish_list_declined", 7m, method: "swish"));
        await refunds.WaitFor(declined, "failed");

        var page = JsonDocument.Parse(await refunds.Api.GetStringAsync("/refunds?status=refunded&method=swish&pageSize=2&page=2")).RootElement;

        page.GetProperty("total").GetInt32().ShouldBe(5);
        page.GetProperty("page").GetInt32().ShouldBe(2);
        var newestFirst = Enumerable.Reverse(swish).ToList();
        page.GetProperty("items").EnumerateArray().Select(x => x.GetProperty("refundId").GetGuid()).ShouldBe(newestFirst.Skip(2).Take(2));
        var last = JsonDocument.Parse(await refunds.Api.GetStringAsync("/refunds?status=refunded&method=swish&pageSize=2&page=3")).RootElement;
        last.GetProperty("items").EnumerateArray().Select(x => x.GetProperty("refundId").GetGuid()).ShouldBe([swish[0]]);
        var failed = JsonDocument.Parse(await refunds.Api.GetStringAsync("/refunds?status=failed")).RootElement;
        failed.GetProperty("items").EnumerateArray().Select(x => x.GetProperty("refundId").GetGuid()).ShouldBe([declined]);
        var all = JsonDocument.Parse(await refunds.Api.GetStringAsync("/refunds")).RootElement;
        all.GetProperty("total").GetInt32().ShouldBe(7);

        using var bad = await refunds.Api.GetAsync("/refunds?status=lost&pageSize=1000");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name)
            .Order().ShouldBe(["pageSize", "status"]);
    }

    [Fact]
    public async Task While_every_worker_is_down_intake_answers_503_stores_nothing_and_the_same_request_later_makes_the_refund()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string> { ["Refunds__IntakeTimeout"] = "00:00:02" });
        await refunds.Workers[0].Stop();
        var key = Key();
        var body = RefundStack.Body("pi_no_worker", 11m);

        using var unanswered = await refunds.PostRefund(key, body);
        unanswered.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        unanswered.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await unanswered.Content.ReadAsStringAsync()).ShouldContain("same Idempotency-Key");

        // The request expires in its queue with the client's timeout (MassTransit's request time-to-live): a worker that
        // comes back finds nothing to decide, so a 503 never becomes a refund the client was told failed.
        await refunds.Stack.StartWorker();
        await refunds.Stack.Ground.WaitUntilDrained(RefundStack.SagaQueue);
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(0);

        using var retried = await refunds.PostRefund(key, body);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var answer = JsonDocument.Parse(await retried.Content.ReadAsStringAsync()).RootElement;
        answer.GetProperty("replayed").GetBoolean().ShouldBeFalse();
        var id = answer.GetProperty("refundId").GetGuid();
        await refunds.WaitFor(id, "refunded");
        (await refunds.Count("select count(*) from refunds.refund")).ShouldBe(1);
        (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    static Task<HttpResponseMessage> Post(RefundStack refunds, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/refunds") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return refunds.Api.SendAsync(request);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

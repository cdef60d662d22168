using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

[Collection(StackCollection.Name)]
public class RefundIntakeTests(StackFixture stack)
{
    [Fact]
    public async Task The_same_key_and_body_give_one_refund_however_often_and_concurrently_they_are_sent()
    {
        await using var refunds = await RefundStack.Start(stack);
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
        await refunds.WaitFor(ids[0], "refunded", TimeSpan.FromSeconds(30));
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
        await using var refunds = await RefundStack.Start(stack);
        var key = Key();
        var id = await refunds.Refund(key, RefundStack.Body("pi_conflict", 20m));

        using var conflict = await refunds.PostRefund(key, RefundStack.Body("pi_conflict", 21m));

        conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        conflict.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var refund = await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(30));
        refund.Amount.ShouldBe(20m);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"paymentId":"pi_1","amount":0,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":-5,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":1.005,"currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","currency":"SEK","method":"card"}""", "amount" },
        { """{"paymentId":"pi_1","amount":10,"currency":"XXX","method":"card"}""", "currency" },
        { """{"paymentId":"pi_1","amount":10,"currency":"SEK","method":"cheque"}""", "method" },
        { """{"amount":10,"currency":"SEK","method":"card"}""", "paymentId" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_a_400_with_problem_details_and_stores_nothing(string json, string field)
    {
        await using var refunds = await RefundStack.Start(stack);
        var key = Key();

        using var response = await Post(refunds, key, json);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await refunds.Count("select count(*) from refunds.refund where idempotency_key = $1", key)).ShouldBe(0);
    }

    [Fact]
    public async Task Malformed_json_and_a_missing_key_are_400s()
    {
        await using var refunds = await RefundStack.Start(stack);

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
        await using var refunds = await RefundStack.Start(stack);
        await refunds.KnownPayment("pi_known", 100m);

        await refunds.Refund(Key(), RefundStack.Body("pi_known", 60m));
        using var tooMuch = await refunds.PostRefund(Key(), RefundStack.Body("pi_known", 40.01m));
        using var wrongCurrency = await refunds.PostRefund(Key(), RefundStack.Body("pi_known", 1m, currency: "EUR"));
        await refunds.Refund(Key(), RefundStack.Body("pi_known", 40m));

        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooMuch.Content.ReadAsStringAsync()).ShouldContain("40.00 SEK");
        wrongCurrency.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refunds.Count("select count(*) from refunds.refund where payment_id = 'pi_known'")).ShouldBe(2);
    }

    [Fact]
    public async Task Concurrent_refunds_of_one_payment_never_exceed_it()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.KnownPayment("pi_race", 100m);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => refunds.PostRefund(Key(), RefundStack.Body("pi_race", 30m))));

        responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(3);
        responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest).ShouldBe(7);
        (await refunds.Count("select count(*) from refunds.refund where payment_id = 'pi_race'")).ShouldBe(3);
    }

    [Fact]
    public async Task Unknown_refunds_are_404s()
    {
        await using var refunds = await RefundStack.Start(stack);

        using var get = await refunds.Api.GetAsync($"/refunds/{Guid.NewGuid()}");
        using var retry = await refunds.Api.PostAsJsonAsync($"/refunds/{Guid.NewGuid()}/retry", new { requestedBy = "alice" });

        get.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        get.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        retry.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Refunds_are_listed_by_status_and_method_in_pages()
    {
        await using var refunds = await RefundStack.Start(stack);
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add(await refunds.Refund(Key(), RefundStack.Body($"swish_list_{i}", 5m, method: "swish")));
        foreach (var id in ids)
            await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(30));

        var page = JsonDocument.Parse(await refunds.Api.GetStringAsync("/refunds?status=refunded&method=swish&pageSize=2&page=2")).RootElement;

        page.GetProperty("total").GetInt32().ShouldBeGreaterThanOrEqualTo(5);
        page.GetProperty("items").GetArrayLength().ShouldBe(2);
        page.GetProperty("items").EnumerateArray().ShouldAllBe(x => x.GetProperty("method").GetString() == "swish");
        using var bad = await refunds.Api.GetAsync("/refunds?status=lost&pageSize=1000");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    static Task<HttpResponseMessage> Post(RefundStack refunds, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/refunds") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return refunds.Api.SendAsync(request);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

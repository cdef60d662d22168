using System.Net;
using System.Net.Http.Json;
using System.Text;
using Billing.Features.Refunds.Webhooks;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

public class StripeWebhookTests
{
    const string Secret = "whsec_test_h9";

    static Dictionary<string, string> Settings => new() { ["Refunds__Webhooks__Stripe__Secret"] = Secret };

    [Fact]
    public async Task A_refund_stripe_fails_after_reporting_success_returns_to_failed_and_a_retry_pays_it_under_a_fresh_key()
    {
        await using var refunds = await RefundStack.Start(Settings, standIns: new Dictionary<string, string> { ["StandIn__LateFailAfter"] = "00:00:04" });
        using (var target = await refunds.StandIns.Client.PutAsJsonAsync("/control/webhooks/card",
                   new { url = new Uri(refunds.Api.BaseAddress!, "/webhooks/stripe").ToString(), secret = Secret }))
            target.EnsureSuccessStatusCode();
        await refunds.SetFaults("card", new FaultSettings(LateFailRate: 1));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_late_fail", 33m));
        var paid = await refunds.WaitFor(id, "refunded");
        var failed = await refunds.WaitFor(id, "failed");

        failed.LastErrorCode.ShouldBe("expired_or_canceled_card");
        failed.ProviderRefundId.ShouldBeNull();
        failed.KeyGeneration.ShouldBe(1);
        failed.Attempts!.Last().Lane.ShouldBe("webhook");
        failed.Attempts!.Last().ProviderRefundId.ShouldBe(paid.ProviderRefundId);
        (await refunds.TimesPaid(id)).ShouldBe(0, "the stand-in took the money back");

        // The usual rules from there: support retries, the lookup finds only the failed refund, a fresh key pays.
        await refunds.ClearFaults("card");
        using (var retry = await (await refunds.As("fia@support")).PostAsJsonAsync($"/refunds/{id}/retry", new { }))
            retry.EnsureSuccessStatusCode();
        var refunded = await refunds.WaitFor(id, "refunded");
        refunded.ProviderRefundId.ShouldNotBe(paid.ProviderRefundId);
        refunded.SecondProviderRefundId.ShouldBeNull("a failed refund is not a second payment");
        (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    [Fact]
    public async Task The_webhook_takes_a_validly_signed_event_once_and_refuses_a_wrong_secret_a_stale_timestamp_and_no_signature()
    {
        await using var refunds = await RefundStack.Start(Settings);
        var payload = """{"id":"evt_h9_1","object":"event","type":"refund.updated","created":1,"data":{"object":{"id":"re_1","status":"succeeded","metadata":{}}}}""";
        var now = DateTimeOffset.UtcNow;

        using var valid = await Post(refunds, payload, StripeSignature.Sign(payload, Secret, now));
        using var again = await Post(refunds, payload, StripeSignature.Sign(payload, Secret, now));
        using var wrongSecret = await Post(refunds, payload.Replace("evt_h9_1", "evt_h9_2"), StripeSignature.Sign(payload.Replace("evt_h9_1", "evt_h9_2"), "whsec_other", now));
        using var stale = await Post(refunds, payload.Replace("evt_h9_1", "evt_h9_3"), StripeSignature.Sign(payload.Replace("evt_h9_1", "evt_h9_3"), Secret, now.AddMinutes(-6)));
        using var tampered = await Post(refunds, payload.Replace("succeeded", "failed"), StripeSignature.Sign(payload, Secret, now));
        using var unsigned = await Post(refunds, payload, null);

        valid.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.Content.ReadAsStringAsync()).ShouldContain("\"duplicate\":true");
        foreach (var refused in new[] { wrongSecret, stale, tampered, unsigned })
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refunds.Count("select count(*) from refunds.stripe_event")).ShouldBe(1);
    }

    static Task<HttpResponseMessage> Post(RefundStack refunds, string payload, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        if (signature is not null)
            request.Headers.Add("Stripe-Signature", signature);
        return refunds.Api.SendAsync(request);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

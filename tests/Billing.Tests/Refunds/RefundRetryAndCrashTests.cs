using System.Net;
using System.Net.Http.Json;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

[Collection(StackCollection.Name)]
public class RefundRetryAndCrashTests(StackFixture stack)
{
    [Fact]
    public async Task Support_retries_a_failed_refund_once_however_often_it_is_clicked_and_who_asked_is_recorded()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_manual", 33m));
        await refunds.WaitFor(id, "failed", TimeSpan.FromSeconds(30));
        await refunds.ClearFaults("card");

        var clicks = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            refunds.Api.PostAsJsonAsync($"/refunds/{id}/retry", new { requestedBy = "alice@support" })));
        clicks.ShouldAllBe(c => c.StatusCode == HttpStatusCode.Accepted || c.StatusCode == HttpStatusCode.Conflict);
        clicks.ShouldContain(c => c.StatusCode == HttpStatusCode.Accepted);

        var refund = await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2)); // any second attempt would show by now
        refund = await refunds.Get(id);
        refund.Attempts!.Count(a => a.Lane == "manual").ShouldBe(1);
        refund.Attempts!.Single(a => a.Lane == "manual").RequestedBy.ShouldBe("alice@support");
        refund.ManualRetryBy.ShouldBe("alice@support");
        refund.ManualRetryAt.ShouldNotBeNull();
        (await refunds.TimesPaid(id)).ShouldBe(1);

        using var again = await refunds.Api.PostAsJsonAsync($"/refunds/{id}/retry", new { requestedBy = "alice@support" });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var anonymous = await refunds.Api.PostAsJsonAsync($"/refunds/{id}/retry", new { });
        anonymous.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_manual_retry_that_fails_again_leaves_the_refund_needing_support()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("swish_manual", 33m, method: "swish"));
        await refunds.WaitFor(id, "failed", TimeSpan.FromSeconds(30));

        using var retry = await refunds.Api.PostAsJsonAsync($"/refunds/{id}/retry", new { requestedBy = "bob" });
        retry.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var refund = await refunds.WaitFor(id, "needs_support", TimeSpan.FromSeconds(30));
        refund.AttemptCount.ShouldBe(2);
        refund.LastErrorCode.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Killing_the_worker_mid_flight_loses_no_refund_and_pays_none_twice()
    {
        await using var refunds = await RefundStack.Start(stack);
        // Slow provider calls keep many attempts in flight when the worker dies.
        await refunds.SetFaults("card", new FaultSettings(LatencyMs: 150));
        await refunds.SetFaults("swish", new FaultSettings(LatencyMs: 150));

        var ids = new List<Guid>();
        for (var i = 0; i < 60; i++)
            ids.Add(await refunds.Refund(Key(), RefundStack.Body($"pi_crash_{i}", 10m + i, method: i % 2 == 0 ? "card" : "swish")));

        var first = refunds.Workers[0];
        first.Kill();
        await first.WaitForExit(TimeSpan.FromSeconds(10));
        await refunds.StartWorker();

        foreach (var id in ids)
            await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(90));
        var ledger = await refunds.Ledger();
        ledger.Keys.ShouldAllBe(k => k.TimesPaid == 1);
        foreach (var id in ids)
            (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    [Fact]
    public async Task Repeated_attempt_reports_and_requests_change_nothing()
    {
        await using var refunds = await RefundStack.Start(stack);
        await using var bus = await TestBus.Start(stack);
        var key = Key();
        var id = await refunds.Refund(key, RefundStack.Body("pi_repeat", 15m));
        var refund = await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(30));

        // The same report and request again, under new message ids (so past the inbox): the saga applies neither.
        var report = new Billing.Contracts.Refunds.RefundAttempted
        {
            RefundId = id, AttemptNumber = 1, Lane = "fast", Outcome = "paid", ProviderRefundId = refund.ProviderRefundId,
            AttemptedAt = DateTimeOffset.UtcNow,
        };
        for (var i = 0; i < 3; i++)
        {
            await bus.Bus.Publish(report);
            await bus.Bus.Publish(Billing.Contracts.Refunds.RequestRefund.Create(key, "pi_repeat", 15m, "SEK", "card", "duplicate charge"));
            var fastLane = await bus.Bus.GetSendEndpoint(Billing.Contracts.Refunds.RefundLanes.FastAddress("card"));
            await fastLane.Send(new Billing.Contracts.Refunds.AttemptRefund
            {
                RefundId = id, AttemptNumber = 1, Lane = "fast", PaymentId = "pi_repeat", Amount = 15m, Currency = "SEK", Method = "card",
            });
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = await refunds.Get(id);
        after.Status.ShouldBe("refunded");
        after.Attempts!.Count.ShouldBe(1);
        (await refunds.TimesPaid(id)).ShouldBe(1, "the refund id is the provider's idempotency key, so a repeated attempt is answered, not paid");
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

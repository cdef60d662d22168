using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Providers;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Refunds;

/// <summary>
/// No path pays a refund twice, and none leaves a paid refund marked unpaid: payments are applied in every state, every
/// key is looked up before paying under a new one, and an outcome that may have paid is resolved by lookups.
/// </summary>
public class RefundPaidOnceTests
{
    // Fails if a payment report is ignored outside the in-flight states (it was, in Failed, NeedsSupport and Refunded).
    [Fact]
    public async Task A_paid_report_arriving_in_needs_support_makes_the_refund_refunded_with_its_provider_refund()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_late_paid", 21m));
        await refunds.WaitFor(id, "failed");
        using (var retry = await (await refunds.As("dana@support")).PostAsJsonAsync($"/refunds/{id}/retry", new { }))
            retry.EnsureSuccessStatusCode();
        var needsSupport = await refunds.WaitFor(id, "needs_support");

        // An attempt no longer current (an old slow-lane chain, say) reports that it paid after all.
        await using var bus = await TestBus.Start(refunds.Stack.Ground);
        await bus.Bus.Publish(new RefundAttempted
        {
            RefundId = id, AttemptNumber = 1, Lane = RefundLanes.Slow, Outcome = AttemptOutcomes.Paid, ProviderRefundId = "re_late_payment",
            LookedUp = true, ProviderMayHavePaid = false, AttemptedAt = DateTimeOffset.UtcNow,
        });

        var refunded = await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(20));
        refunded.ProviderRefundId.ShouldBe("re_late_payment");
        refunded.AttemptCount.ShouldBe(needsSupport.AttemptCount + 1);
        refunded.Attempts!.Last().Outcome.ShouldBe("paid");
    }

    // Fails if an attempt under key n looks up only key n: the payment made under key 0 is not seen and a second one is made.
    [Fact]
    public async Task A_payment_made_under_an_older_key_is_found_before_paying_under_the_new_one_and_paid_once()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string> { ["Refunds__Methods__swish__SlowLane__Attempts"] = "1" });
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("swish_old_key", 31m, method: "swish"));
        await refunds.WaitFor(id, "failed");
        await refunds.ClearFaults("swish");

        // An attempt under key 0 lands at Swish late and pays, after the refund's key moved on to generation 1.
        await using var adapters = refunds.ProviderAdapters();
        var swish = adapters.GetRequiredService<IRefundProviders>().For("swish");
        var order = new RefundOrder(id, "swish_old_key", 31m, "SEK", "duplicate charge");
        (await swish.RefundAsync(order, CancellationToken.None)).Outcome.ShouldBe(ProviderOutcome.Paid);
        await refunds.Execute("update refunds.refund set key_generation = 1 where correlation_id = $1", id);

        using (var retry = await (await refunds.As("erik@support")).PostAsJsonAsync($"/refunds/{id}/retry", new { }))
            retry.EnsureSuccessStatusCode();
        var refunded = await refunds.WaitFor(id, "refunded");
        await refunds.Stack.WaitUntilIdle();

        (await refunds.TimesPaid(id)).ShouldBe(1);
        refunded.SecondProviderRefundId.ShouldBeNull();
        refunded.Attempts!.Last().Lane.ShouldBe("manual");
    }

    // Fails if a lookup stops at the first payment it finds, or if the saga keeps the second provider refund to itself.
    [Fact]
    public async Task Two_provider_refunds_for_one_refund_raise_the_paid_twice_flag_mail_support_and_count_in_the_statistics()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string> { ["Refunds__Methods__swish__SlowLane__Attempts"] = "1" });
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("swish_twice", 41m, method: "swish"));
        await refunds.WaitFor(id, "failed");
        await refunds.ClearFaults("swish");

        // Two late attempts under two keys both paid at Swish.
        await using var adapters = refunds.ProviderAdapters();
        var swish = adapters.GetRequiredService<IRefundProviders>().For("swish");
        var first = await swish.RefundAsync(new RefundOrder(id, "swish_twice", 41m, "SEK", "duplicate charge"), CancellationToken.None);
        var second = await swish.RefundAsync(new RefundOrder(id, "swish_twice", 41m, "SEK", "duplicate charge", KeyGeneration: 1), CancellationToken.None);
        (first.Outcome, second.Outcome).ShouldBe((ProviderOutcome.Paid, ProviderOutcome.Paid));
        await refunds.Execute("update refunds.refund set key_generation = 1 where correlation_id = $1", id);

        using (var retry = await (await refunds.As("erik@support")).PostAsJsonAsync($"/refunds/{id}/retry", new { }))
            retry.EnsureSuccessStatusCode();
        var flagged = await refunds.WaitFor(id, "refunded and flagged paid twice", r => r.Status == "refunded" && r.PaidTwiceAt is not null);

        new[] { flagged.ProviderRefundId, flagged.SecondProviderRefundId }.ShouldBe([first.ProviderRefundId, second.ProviderRefundId], ignoreOrder: true);
        (await refunds.TimesPaid(id)).ShouldBe(2, "the two payments made before the retry, and none by it");
        var mail = (await MailSink.WaitFor(id.ToString(), 1)).ShouldHaveSingleItem();
        mail.Subject.ShouldContain("paid twice");
        mail.Body.ShouldContain(first.ProviderRefundId!);
        mail.Body.ShouldContain(second.ProviderRefundId!);
        var stats = await refunds.Api.GetFromJsonAsync<JsonElement>("/refunds/errors?method=swish");
        var row = stats.GetProperty("paidTwice").EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("refunds").GetInt32().ShouldBe(1);
    }

    // Fails if an unknown outcome of the reconciler's attempt is taken as a failure (it was: NeedsSupport, though paid).
    [Fact]
    public async Task A_timeout_after_paying_during_the_reconcilers_attempt_ends_refunded_not_needing_support()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string> { ["Refunds__Providers__card__Timeout"] = "00:00:02" });
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_reconcile_timeout", 51m));
        await refunds.WaitFor(id, "failed");
        await refunds.SetFaults("card", new FaultSettings(TimeoutAfterPayRate: 1));

        using var trigger = await (await refunds.As("on-call")).PostAsJsonAsync("/reconciler/runs", new { });
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        var refunded = await refunds.WaitFor(id, "refunded");
        await Eventually.Until("the run completed", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and completed_at is not null", runId) == 1);

        var reconcile = refunded.Attempts!.Single(a => a.Lane == "reconcile");
        reconcile.Outcome.ShouldBe("unknown", "the scenario: the reconciler's paying call timed out after the provider paid");
        refunded.Attempts!.Last().Lane.ShouldBe("resolve");
        (await refunds.TimesPaid(id)).ShouldBe(1);
        (await refunds.Count("select refunded from refunds.reconciler_run where run_id = $1", runId)).ShouldBe(1);
        (await refunds.Count("select needs_support from refunds.reconciler_run where run_id = $1", runId)).ShouldBe(0);
    }

    // Fails if the slow lane retries under the key Stripe replays a 500 for: every attempt gets the same 500 and it fails.
    [Fact]
    public async Task A_stripe_500_replayed_for_its_key_does_not_use_up_the_slow_lane()
    {
        await using var refunds = await RefundStack.Start();
        // Seed 1 draws a 500 (not a 429) for the first request; Stripe keeps that 500 under the key.
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable, Seed: 1));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_replayed_500", 61m));
        var retrying = await refunds.WaitFor(id, "retrying");
        await refunds.ClearFaults("card");
        retrying.Attempts!.Single().ErrorCode.ShouldBe("api_error", "the scenario: Stripe answered 500");

        var refunded = await refunds.WaitFor(id, "refunded");
        refunded.KeyGeneration.ShouldBe(1);
        refunded.Attempts!.Count.ShouldBe(2, "one slow attempt: a lookup that found nothing, then a payment under a fresh key");
        (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_refund_stripe_answers_pending_is_looked_up_until_it_succeeded_and_paid_once()
    {
        await using var refunds = await RefundStack.Start(standIns: new Dictionary<string, string> { ["StandIn__PendingFor"] = "00:00:02" });
        await refunds.SetFaults("card", new FaultSettings(PendingRate: 1));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_pending", 71m));
        var refunded = await refunds.WaitFor(id, "refunded");

        refunded.Attempts![0].Outcome.ShouldBe("unknown", "the scenario: Stripe answered pending");
        refunded.Attempts[0].ErrorCode.ShouldBe("pending");
        refunded.Attempts.Skip(1).ShouldAllBe(a => a.LookedUp);
        (await refunds.TimesPaid(id)).ShouldBe(1);
        (await refunds.Ledger()).Requests.Count(r => r.Operation == ProviderOperation.Refund).ShouldBe(1, "no paying request after the pending answer");
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

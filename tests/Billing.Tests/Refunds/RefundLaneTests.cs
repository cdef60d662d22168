using System.Net.Http.Json;
using System.Text.Json;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

/// <summary>The fast and slow lanes against the provider stand-in, with slow-lane waits of 1, 2, 4 s.</summary>
[Collection(StackCollection.Name)]
public class RefundLaneTests(StackFixture stack)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_refund_the_provider_pays_at_once_is_refunded_after_one_fast_attempt()
    {
        await using var refunds = await RefundStack.Start(stack);
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_fast", 12.50m));

        var refund = await refunds.WaitFor(id, "refunded", Patience);

        refund.AttemptCount.ShouldBe(1);
        refund.Attempts!.Single().Lane.ShouldBe("fast");
        refund.ProviderRefundId.ShouldNotBeNullOrEmpty();
        var paid = (await refunds.Ledger()).Payments.ShouldHaveSingleItem();
        paid.AmountMinor.ShouldBe(1250);
        paid.Currency.ShouldBe("SEK");
    }

    [Fact]
    public async Task Transient_failures_are_retried_in_the_slow_lane_at_growing_intervals_until_the_provider_pays()
    {
        await using var refunds = await RefundStack.Start(stack, new Dictionary<string, string>
        {
            ["Refunds__Methods__card__SlowLane__Attempts"] = "6",
        });
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_slow", 99m));
        await Eventually.Get(async () => (await refunds.Get(id)).AttemptCount >= 4 ? "" : null, Patience);
        await refunds.ClearFaults("card");

        var refund = await refunds.WaitFor(id, "refunded", Patience);
        var attempts = refund.Attempts!;
        attempts[0].Lane.ShouldBe("fast");
        attempts.Skip(1).ShouldAllBe(a => a.Lane == "slow" && a.LookedUp);
        attempts.Take(4).ShouldAllBe(a => a.Outcome == "unavailable");
        attempts.Last().Outcome.ShouldBe("paid");

        // Waits of 1, 2 and 4 s before slow attempts 1, 2, 3; up to 1 s more for the scheduler's trip and a busy machine.
        var gaps = Enumerable.Range(0, 3).Select(n => (attempts[n + 1].AttemptedAt - attempts[n].AttemptedAt).TotalSeconds).ToList();
        for (var n = 0; n < 3; n++)
            gaps[n].ShouldBeInRange(Math.Pow(2, n), Math.Pow(2, n) + 1.5, $"gaps {string.Join(", ", gaps)}");
        gaps[2].ShouldBeGreaterThan(gaps[0] * 2, "the waits grow");
        (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    [Fact]
    public async Task When_the_slow_lane_runs_out_the_refund_fails_with_its_cause_amount_and_history()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_exhaust", 42.10m));
        var refund = await refunds.WaitFor(id, "failed", Patience);

        refund.AttemptCount.ShouldBe(4, "one fast attempt and three slow ones");
        refund.Attempts!.Count.ShouldBe(4);
        refund.Amount.ShouldBe(42.10m);
        refund.Currency.ShouldBe("SEK");
        refund.Method.ShouldBe("card");
        refund.LastErrorCode.ShouldNotBeNullOrEmpty();
        refund.LastErrorMessage.ShouldNotBeNullOrEmpty();
        refund.FailedAt.ShouldNotBeNull();
        refund.NextAttemptAt.ShouldBeNull();
        (await refunds.TimesPaid(id)).ShouldBe(0);

        var stats = await refunds.Api.GetFromJsonAsync<JsonElement>("/refunds/errors?method=card");
        var failed = stats.GetProperty("failedAttempts").EnumerateArray()
            .Single(r => r.GetProperty("cause").GetString() == refund.LastErrorCode && r.GetProperty("day").GetString() == $"{DateTime.UtcNow:yyyy-MM-dd}");
        failed.GetProperty("attempts").GetInt32().ShouldBeGreaterThanOrEqualTo(4);
        stats.GetProperty("open").EnumerateArray().ShouldContain(r =>
            r.GetProperty("status").GetString() == "failed" && r.GetProperty("method").GetString() == "card" && r.GetProperty("amount").GetDecimal() >= 42.10m);
    }

    [Fact]
    public async Task A_refund_the_provider_declines_for_good_fails_without_retries()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_declined", 10m));
        var refund = await refunds.WaitFor(id, "failed", Patience);

        await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the first slow-lane wait: no retry may follow
        refund = await refunds.Get(id);
        refund.AttemptCount.ShouldBe(1);
        refund.Attempts!.Single().Outcome.ShouldBe("declined");
        refund.LastErrorCode.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_provider_that_times_out_after_paying_pays_exactly_once()
    {
        // The adapter gives up after 1.5 s; the stand-in pays, then holds its answer for 4 s.
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("card", new FaultSettings(TimeoutAfterPayRate: 1));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_timeout", 75m));
        await Eventually.Get(async () => (await refunds.Get(id)).AttemptCount >= 1 ? "" : null, Patience);
        await refunds.ClearFaults("card");

        var refund = await refunds.WaitFor(id, "refunded", Patience);
        refund.Attempts![0].Outcome.ShouldBe("unknown");
        refund.Attempts[1].LookedUp.ShouldBeTrue("the next attempt asks the provider before paying");
        refund.Attempts[1].Outcome.ShouldBe("paid");
        (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_swish_outage_does_not_hold_up_card_refunds()
    {
        await using var refunds = await RefundStack.Start(stack, new Dictionary<string, string>
        {
            ["Refunds__Methods__swish__SlowLane__Attempts"] = "8",
        });
        var outageEnds = DateTimeOffset.UtcNow.AddSeconds(12);
        await refunds.SetFaults("swish", new FaultSettings(DarkUntil: outageEnds));

        var swish = new List<Guid>();
        var card = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            swish.Add(await refunds.Refund(Key(), RefundStack.Body($"swish_{i}", 100m + i, method: "swish")));
            card.Add(await refunds.Refund(Key(), RefundStack.Body($"pi_card_{i}", 100m + i)));
        }

        foreach (var id in card)
            await refunds.WaitFor(id, "refunded", TimeSpan.FromSeconds(10));
        DateTimeOffset.UtcNow.ShouldBeLessThan(outageEnds, "every card refund completed while Swish was dark");
        foreach (var id in swish)
            (await refunds.Get(id)).Status.ShouldBe("retrying");

        foreach (var id in swish)
        {
            var refund = await refunds.WaitFor(id, "refunded", Patience);
            refund.Attempts!.First().ErrorCode.ShouldNotBeNullOrEmpty();
            (await refunds.TimesPaid(id)).ShouldBe(1);
        }
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

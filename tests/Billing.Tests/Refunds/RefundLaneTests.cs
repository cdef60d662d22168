using System.Net.Http.Json;
using Billing.Features.Refunds.Api;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

/// <summary>The fast and slow lanes against the provider stand-in, with slow-lane waits of 1, 2, 4 s.</summary>
public class RefundLaneTests
{
    [Fact]
    public async Task A_refund_the_provider_pays_at_once_is_refunded_after_one_fast_attempt()
    {
        await using var refunds = await RefundStack.Start();
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_fast", 12.50m));

        var refund = await refunds.WaitFor(id, "refunded");
        await refunds.Stack.WaitUntilIdle();

        refund.AttemptCount.ShouldBe(1);
        refund.Attempts!.Single().Lane.ShouldBe("fast");
        refund.ProviderRefundId.ShouldNotBeNullOrEmpty();
        var ledger = await refunds.Ledger();
        var paid = ledger.Payments.ShouldHaveSingleItem();
        paid.AmountMinor.ShouldBe(1250);
        paid.Currency.ShouldBe("SEK");
        paid.RefundId.ShouldBe(refund.ProviderRefundId);
        ledger.Requests.ShouldHaveSingleItem().Operation.ShouldBe(ProviderOperation.Refund, "a first attempt pays without asking");
    }

    [Fact]
    public async Task Transient_failures_are_retried_in_the_slow_lane_at_growing_intervals_looking_up_first_until_the_provider_pays()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string>
        {
            ["Refunds__Methods__card__SlowLane__Attempts"] = "6",
        });
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_slow", 99m));
        await refunds.WaitFor(id, "at its fourth attempt", r => r.AttemptCount >= 4);
        await refunds.ClearFaults("card");

        var refund = await refunds.WaitFor(id, "refunded");
        var attempts = refund.Attempts!;
        attempts[0].Lane.ShouldBe("fast");
        attempts.Skip(1).ShouldAllBe(a => a.Lane == "slow");
        attempts.Take(4).ShouldAllBe(a => a.Outcome == "unavailable");
        attempts.Last().Outcome.ShouldBe("paid");

        // At the provider: the fast attempt pays straight away; every slow attempt asks first (a list by payment intent),
        // and only then sends its paying request. Fails if the slow lane stops looking up.
        var requests = (await refunds.Ledger()).Requests;
        requests[0].Operation.ShouldBe(ProviderOperation.Refund);
        var slow = requests.Skip(1).ToList();
        slow.Count.ShouldBe(2 * (attempts.Count - 1), string.Join(", ", requests.Select(r => $"{r.Operation} {r.Status}")));
        for (var n = 0; n < slow.Count; n += 2)
        {
            slow[n].Operation.ShouldBe(ProviderOperation.Lookup);
            slow[n].PaymentIntent.ShouldBe("pi_slow");
            slow[n + 1].Operation.ShouldBe(ProviderOperation.Refund);
        }
        (await refunds.TimesPaid(id)).ShouldBe(1);

        // Waits of 1, 2 and 4 s before slow attempts 1, 2, 3: never shorter; longer by the scheduler's trip and a busy machine.
        var gaps = Enumerable.Range(0, 3).Select(n => (attempts[n + 1].AttemptedAt - attempts[n].AttemptedAt).TotalSeconds).ToList();
        for (var n = 0; n < 3; n++)
            gaps[n].ShouldBeInRange(Math.Pow(2, n), Math.Pow(2, n) + 4, $"gaps {string.Join(", ", gaps)}");
        gaps[2].ShouldBeGreaterThan(gaps[0] * 2, "the waits grow");
    }

    [Fact]
    public async Task When_the_slow_lane_runs_out_the_refund_fails_with_its_cause_amount_and_history()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_exhaust", 42.10m));
        var refund = await refunds.WaitFor(id, "failed");
        await refunds.Stack.WaitUntilIdle();

        refund.AttemptCount.ShouldBe(4, "one fast attempt and three slow ones");
        refund.Attempts!.Count.ShouldBe(4);
        refund.Attempts.ShouldAllBe(a => a.Outcome == "unavailable" && (a.ErrorCode == "api_error" || a.ErrorCode == "rate_limit"));
        refund.Amount.ShouldBe(42.10m);
        refund.Currency.ShouldBe("SEK");
        refund.Method.ShouldBe("card");
        refund.LastErrorCode.ShouldBeOneOf("api_error", "rate_limit");
        refund.LastErrorMessage.ShouldNotBeNullOrWhiteSpace();
        refund.FailedAt.ShouldNotBeNull();
        refund.NextAttemptAt.ShouldBeNull();
        (await refunds.TimesPaid(id)).ShouldBe(0);
        (await refunds.Get(id)).AttemptCount.ShouldBe(4, "nothing more was tried once the lane ran out");

        // The day of the attempts themselves, not of the test's clock: a run that spans midnight UTC counts the same.
        var days = refund.Attempts.Select(a => DateOnly.FromDateTime(a.AttemptedAt.UtcDateTime)).Distinct().ToList();
        var stats = (await refunds.Api.GetFromJsonAsync<RefundErrorStatsView>("/refunds/errors?method=card", RefundStack.Json))!;
        stats.FailedAttempts.Where(r => r.Method == "card").Sum(r => r.Attempts).ShouldBe(4);
        stats.FailedAttempts.Select(r => r.Day).Distinct().Order().ShouldBe(days.Order());
        stats.FailedAttempts.ShouldAllBe(r => r.Refunds == 1);
        stats.Open.ShouldHaveSingleItem().ShouldBe(new OpenFailuresRow("failed", "card", refund.LastErrorCode!, "SEK", 1, 42.10m));
    }

    [Fact]
    public async Task A_refund_the_provider_declines_for_good_fails_without_retries()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_declined", 10m));
        await refunds.WaitFor(id, "failed");
        // Nothing queued, scheduled or in the outbox: no retry can follow.
        await refunds.Stack.WaitUntilIdle();

        var refund = await refunds.Get(id);
        refund.AttemptCount.ShouldBe(1);
        refund.Attempts!.Single().Outcome.ShouldBe("declined");
        refund.LastErrorCode.ShouldBeOneOf("charge_already_refunded", "card_declined");
        (await refunds.Ledger()).Requests.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_provider_that_times_out_after_paying_pays_exactly_once_because_the_next_attempt_looks_it_up()
    {
        // The adapter gives up after 2 s; the stand-in pays, then holds its answer until the client gives up. It forgets
        // idempotency keys after 0.5 s (Stripe after 24 h), well before the first slow attempt (1 s): a retry that
        // paid without looking up would pay again. Fails if the lookup before paying is removed.
        await using var refunds = await RefundStack.Start(
            new Dictionary<string, string> { ["Refunds__Providers__card__Timeout"] = "00:00:02" },
            standIns: new Dictionary<string, string> { ["StandIn__IdempotencyWindow"] = "00:00:00.500" });
        await refunds.SetFaults("card", new FaultSettings(TimeoutAfterPayRate: 1));

        var id = await refunds.Refund(Key(), RefundStack.Body("pi_timeout", 75m));
        await refunds.WaitFor(id, "past its first attempt", r => r.AttemptCount >= 1);
        await refunds.ClearFaults("card");

        var refund = await refunds.WaitFor(id, "refunded");
        await refunds.Stack.WaitUntilIdle();
        refund.Attempts![0].Outcome.ShouldBe("unknown");
        refund.Attempts[1].Outcome.ShouldBe("paid");
        (await refunds.TimesPaid(id)).ShouldBe(1);

        var requests = (await refunds.Ledger()).Requests;
        var paying = requests.Where(r => r.Operation == ProviderOperation.Refund).ToList();
        paying.ShouldHaveSingleItem("no paying request after the one that timed out").Status.ShouldBeNull("its client gave up");
        requests.ShouldContain(r => r.Operation == ProviderOperation.Lookup && r.ReceivedAt > paying[0].ReceivedAt && r.PaymentIntent == "pi_timeout",
            "the next attempt asked the provider (a list of the payment intent's refunds) and found the refund paid");
    }

    [Fact]
    public async Task A_slow_swish_provider_holds_up_no_card_refund()
    {
        // Swish answers after a minute, its adapter gives up after 3 s: each Swish attempt holds a lane slot for 3 s.
        // Two slots per lane and ten Swish refunds queued first: with one lane for both methods, the cards would wait
        // behind 15 s of Swish attempts. Fails if both methods share a queue.
        var settings = new Dictionary<string, string>
        {
            ["Refunds__Methods__swish__Concurrency"] = "2",
            ["Refunds__Methods__card__Concurrency"] = "2",
            ["Refunds__Methods__swish__SlowLane__Attempts"] = "8",
            ["Refunds__Providers__swish__Timeout"] = "00:00:03",
        };
        await using var refunds = await RefundStack.Start(settings);
        await refunds.SetFaults("swish", new FaultSettings(LatencyMs: 60_000));

        var swish = new List<Guid>();
        for (var i = 0; i < 10; i++)
            swish.Add(await refunds.Refund(Key(), RefundStack.Body($"swish_{i}", 100m + i, method: "swish")));
        var card = new List<Guid>();
        for (var i = 0; i < 10; i++)
            card.Add(await refunds.Refund(Key(), RefundStack.Body($"pi_card_{i}", 100m + i)));

        var cardsDone = new List<RefundView>();
        foreach (var id in card)
            cardsDone.Add(await refunds.WaitFor(id, "refunded"));
        var firstSwish = await Task.WhenAll(swish.Select(id => refunds.WaitFor(id, "past its first attempt", r => r.AttemptCount >= 1)));
        firstSwish.ShouldAllBe(r => r.Attempts![0].Outcome == "unknown", "every first Swish attempt timed out");
        cardsDone.Max(r => r.RefundedAt!.Value).ShouldBeLessThan(firstSwish.Min(r => r.Attempts![0].AttemptedAt),
            "every card refund was paid before the first Swish attempt even gave up");

        await refunds.ClearFaults("swish");
        foreach (var id in swish)
        {
            await refunds.WaitFor(id, "refunded");
            (await refunds.TimesPaid(id)).ShouldBe(1);
        }
        foreach (var id in card)
            (await refunds.TimesPaid(id)).ShouldBe(1);
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

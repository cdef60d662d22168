using System.Net;
using System.Net.Http.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

public class RefundRetryAndCrashTests
{
    [Fact]
    public async Task Support_retries_a_failed_refund_once_however_often_it_is_clicked_and_who_asked_is_recorded()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("pi_manual", 33m));
        await refunds.WaitFor(id, "failed");
        await refunds.ClearFaults("card");

        var alice = await refunds.As("alice@support");
        var clicks = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => alice.PostAsJsonAsync($"/refunds/{id}/retry", new { })));
        clicks.ShouldAllBe(c => c.StatusCode == HttpStatusCode.Accepted || c.StatusCode == HttpStatusCode.Conflict);
        clicks.ShouldContain(c => c.StatusCode == HttpStatusCode.Accepted);

        await refunds.WaitFor(id, "refunded");
        // Every accepted click has been consumed and nothing is left queued or scheduled: no second attempt can follow.
        await refunds.Stack.WaitUntilIdle();
        var refund = await refunds.Get(id);
        refund.Attempts!.Count(a => a.Lane == "manual").ShouldBe(1);
        refund.Attempts!.Single(a => a.Lane == "manual").RequestedBy.ShouldBe("key:alice@support");
        refund.ManualRetryBy.ShouldBe("key:alice@support");
        refund.ManualRetryAt.ShouldNotBeNull();
        (await refunds.TimesPaid(id)).ShouldBe(1);
        var paying = (await refunds.Ledger()).Requests.Where(r => r.Operation == ProviderOperation.Refund).ToList();
        paying.Count.ShouldBe(2, "the declined fast attempt and support's one");

        using var again = await (await refunds.As("alice@support")).PostAsJsonAsync($"/refunds/{id}/retry", new { });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var anonymous = await refunds.Stack.AnonymousClient().PostAsJsonAsync($"/refunds/{id}/retry", new { });
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a retry is done by someone who logged in or holds a key");
    }

    [Fact]
    public async Task A_manual_retry_that_fails_again_leaves_the_refund_needing_support()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var id = await refunds.Refund(Key(), RefundStack.Body("swish_manual", 33m, method: "swish"));
        await refunds.WaitFor(id, "failed");

        using var retry = await (await refunds.As("bob")).PostAsJsonAsync($"/refunds/{id}/retry", new { });
        retry.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var refund = await refunds.WaitFor(id, "needs_support");
        refund.AttemptCount.ShouldBe(2);
        refund.Attempts!.Select(a => a.Lane).ShouldBe(["fast", "manual"]);
        refund.LastErrorCode.ShouldBe("RF07");
        (await refunds.TimesPaid(id)).ShouldBe(0);
    }

    [Fact]
    public async Task Killing_the_worker_while_refunds_are_paid_but_unanswered_loses_none_and_pays_none_twice()
    {
        // Card: the provider pays, then holds its answer: killed then, the worker never learns that it paid. Swish: slow
        // answers, cut off by the kill before anything is paid. The stand-in forgets keys after 1 s, so an attempt
        // redelivered to the next worker that paid without looking up would pay again: fails if redelivered attempts
        // stop looking up first.
        await using var refunds = await RefundStack.Start(
            standIns: new Dictionary<string, string> { ["StandIn__IdempotencyWindow"] = "00:00:01" });
        await refunds.SetFaults("card", new FaultSettings(TimeoutAfterPayRate: 1));
        await refunds.SetFaults("swish", new FaultSettings(LatencyMs: 30_000));

        var ids = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            refunds.Refund(Key(), RefundStack.Body($"pi_crash_{i}", 10m + i, method: i % 2 == 0 ? "card" : "swish"))));

        var inFlight = await Eventually.Get("refunds paid but unanswered (card) and waiting for an answer (swish) at the provider",
            async () => (await refunds.Ledger()).Requests.Where(r => r.Operation == ProviderOperation.Refund && r.Status is null).ToList(),
            requests => requests.Count(r => r.Method == PaymentMethod.Card && r.Paid) >= 10
                        && requests.Count(r => r.Method == PaymentMethod.Swish) >= 10,
            describe: requests => $"{requests.Count} unanswered");
        (await refunds.Count("select count(*) from refunds.refund where current_state = 'Attempting'"))
            .ShouldBeGreaterThanOrEqualTo(inFlight.Count, "the refunds in flight at the provider are in flight in the saga too");

        await refunds.Stack.Kill(refunds.Workers[0]);
        await refunds.ClearFaults("card");
        await refunds.ClearFaults("swish");
        await refunds.Stack.StartWorker();

        foreach (var id in ids)
            await refunds.WaitFor(id, "refunded");
        var ledger = await refunds.Ledger();
        foreach (var id in ids)
            ledger.Payments.Count(p => RefundStack.IsOurs(p.Reference, id)).ShouldBe(1, $"refund {id} is paid once");
        ledger.References.Where(r => r.TimesPaid > 0).ShouldAllBe(r => r.TimesPaid == 1);
    }

    // Fails if the saga takes a repeated attempt report for a new one (its once-per-attempt-number rule): the repeated
    // fast report would fail the retrying refund, or schedule a second slow-lane chain.
    [Fact]
    public async Task Repeated_reports_and_requests_change_nothing_while_attempting_while_retrying_and_once_refunded()
    {
        // Attempting lasts 15 s (a slow provider, a patient adapter); Retrying waits 5 s before its slow attempt: the
        // repeats land in both.
        await using var refunds = await RefundStack.Start(new Dictionary<string, string>
        {
            ["Refunds__Providers__card__Timeout"] = "00:00:30",
            ["Refunds__Methods__swish__SlowLane__FirstInterval"] = "00:00:05",
        });
        await using var bus = await TestBus.Start(refunds.Stack.Ground);

        // Attempting: a card refund whose fast attempt takes 15 s at the provider.
        await refunds.SetFaults("card", new FaultSettings(LatencyMs: 15_000));
        var attemptingKey = Key();
        var attempting = await refunds.Refund(attemptingKey, RefundStack.Body("pi_attempting", 15m));
        // Retrying: a Swish refund whose fast attempt failed.
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));
        var retryingKey = Key();
        var retrying = await refunds.Refund(retryingKey, RefundStack.Body("swish_retrying", 16m, method: "swish"));
        var failedFast = await refunds.WaitFor(retrying, "retrying");
        (await refunds.Get(attempting)).Status.ShouldBe("attempting", "the repeats must land while the card refund is attempting");

        // The same request and report again, under new message ids (so past the inbox).
        for (var i = 0; i < 3; i++)
        {
            await bus.Bus.Publish(RequestRefund.Create(attemptingKey, "pi_attempting", 15m, "SEK", "card", "duplicate charge"));
            await bus.Bus.Publish(RequestRefund.Create(retryingKey, "swish_retrying", 16m, "SEK", "swish", "duplicate charge"));
            await bus.Bus.Publish(Report(retrying, failedFast.Attempts![0]));
        }
        await refunds.Stack.Ground.WaitUntilDrained(RefundStack.SagaQueue);
        (await refunds.Get(attempting)).Status.ShouldBe("attempting");
        (await refunds.Get(retrying)).Status.ShouldBe("retrying", "the repeats landed while the Swish refund waited");
        (await ScheduledFor(refunds, retrying)).ShouldBe(1, "one slow attempt scheduled, not one per repeated report: " + string.Join("; ",
            await PostgresSchema.Lines(refunds.Stack.Ground.DataSource,
                $"select destination_address || ' ' || message_type || ' ' || due_at from messaging.scheduled_message where body like '%{retrying}%'")));

        await refunds.ClearFaults("card");
        await refunds.ClearFaults("swish");
        var paidCard = await refunds.WaitFor(attempting, "refunded");
        var paidSwish = await refunds.WaitFor(retrying, "refunded");

        // Refunded: the same paid reports and requests again.
        for (var i = 0; i < 3; i++)
        {
            await bus.Bus.Publish(Report(attempting, paidCard.Attempts![0]));
            await bus.Bus.Publish(Report(retrying, paidSwish.Attempts!.Last()));
            await bus.Bus.Publish(RequestRefund.Create(attemptingKey, "pi_attempting", 15m, "SEK", "card", "duplicate charge"));
        }
        await refunds.Stack.WaitUntilIdle();

        (await refunds.Get(attempting)).Attempts!.Select(a => (a.Lane, a.Outcome)).ShouldBe([("fast", "paid")]);
        // The Swish refund: its fast failure, as many slow attempts as the lane made until Swish worked again (the
        // first comes 5 s after the fast one, so a busy machine may see one more), and the payment.
        var history = (await refunds.Get(retrying)).Attempts!;
        history.Select(a => a.Number).ShouldBe(Enumerable.Range(1, history.Count));
        (history[0].Lane, history[0].Outcome).ShouldBe(("fast", "unavailable"));
        history.Skip(1).SkipLast(1).ShouldAllBe(a => a.Lane == "slow" && a.Outcome == "unavailable");
        (history[^1].Lane, history[^1].Outcome).ShouldBe(("slow", "paid"));
        // One slow-lane chain: a second one, started by a repeated report, would put attempts closer than the lane's waits.
        for (var n = 1; n < history.Count; n++)
            (history[n].AttemptedAt - history[n - 1].AttemptedAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(4.9),
                string.Join(", ", history.Select(a => $"#{a.Number} {a.Lane} {a.Outcome} {a.AttemptedAt:HH:mm:ss.fff}")));
        var ledger = await refunds.Ledger();
        foreach (var (id, attempts) in new[] { (attempting, 1), (retrying, history.Count) })
        {
            ledger.Payments.Count(p => RefundStack.IsOurs(p.Reference, id)).ShouldBe(1);
            ledger.Requests.Count(r => r.Operation == ProviderOperation.Refund && RefundStack.IsOurs(r.Reference, id))
                .ShouldBe(attempts, $"paying requests for {id}: one per attempt, none for a repeat");
        }
    }

    static RefundAttempted Report(Guid refundId, Billing.Features.Refunds.Api.AttemptView attempt) => new()
    {
        RefundId = refundId,
        AttemptNumber = attempt.Number,
        Lane = attempt.Lane,
        Outcome = attempt.Outcome,
        ProviderRefundId = attempt.ProviderRefundId,
        ErrorCode = attempt.ErrorCode,
        ErrorMessage = attempt.ErrorMessage,
        LookedUp = attempt.LookedUp,
        AttemptedAt = attempt.AttemptedAt,
    };

    static Task<long> ScheduledFor(RefundStack refunds, Guid refundId) =>
        refunds.Count("select count(*) from messaging.scheduled_message where body like '%' || $1 || '%'", refundId.ToString());

    static string Key() => $"test-{Guid.NewGuid():N}";
}

using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Refunds;

/// <summary>The janitor on Hangfire, reconciler runs whose refunds are taken over, and the support digest.</summary>
public class RefundJanitorAndMailTests
{
    [Fact]
    public async Task The_janitor_takes_over_a_stuck_refund_within_its_interval_and_pays_it_once()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string>
        {
            ["Refunds__Janitor__Cron"] = "*/3 * * * * *",
            ["Jobs__SchedulePollingInterval"] = "00:00:01",
        });
        // A refund whose fast attempt was lost two hours ago (its message went to an error queue, say).
        var key = Key();
        var stuck = RefundIds.FromIdempotencyKey(key);
        var seededAt = DateTimeOffset.UtcNow;
        await refunds.Execute("""
            insert into refunds.refund (correlation_id, current_state, idempotency_key, request_fingerprint, payment_id, amount,
                currency, method, requested_at, updated_at)
            values ($1, 'Attempting', $2, 'seeded', 'pi_janitor', 9.90, 'SEK', 'card', now() - interval '2 hours', now() - interval '2 hours')
            """, stuck, key);

        var refund = await refunds.WaitFor(stuck, "refunded", TimeSpan.FromSeconds(30));

        var attempt = refund.Attempts!.ShouldHaveSingleItem();
        attempt.Lane.ShouldBe("reconcile");
        // Its interval is 3 s; Hangfire looks every second; a busy machine adds a few.
        (attempt.AttemptedAt - seededAt).ShouldBeLessThan(TimeSpan.FromSeconds(15));
        (await refunds.TimesPaid(stuck)).ShouldBe(1);
        // One janitor run took it over and heard it refunded; a later firing may have listed it before the takeover was
        // applied, and was told "skipped".
        await Eventually.Until("the janitor run that took it over heard it refunded", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run_item i join refunds.reconciler_run r using (run_id) where r.trigger = 'janitor' and i.refund_id = $1 and i.outcome = 'refunded'",
                stuck) == 1);
        (await refunds.Count("select count(*) from refunds.reconciler_run_item i join refunds.reconciler_run r using (run_id) where r.trigger = 'janitor' and i.refund_id <> $1",
            stuck)).ShouldBe(0, "the janitor takes over stuck refunds only");
    }

    // Fails if a takeover overwrites the run a refund was reconciling for without answering it: that run never completes
    // and its mail is never sent.
    [Fact]
    public async Task A_run_whose_refund_a_later_run_took_over_still_completes_and_sends_its_mail()
    {
        await using var refunds = await RefundStack.Start(new Dictionary<string, string>
        {
            ["Refunds__StuckAfter"] = "00:00:03",
            ["Refunds__Providers__card__Timeout"] = "00:00:40",
        });
        // Slow: a card refund whose attempts take 20 s at the provider; declined: a Swish refund Swish keeps refusing.
        await refunds.SetFaults("card", new FaultSettings(LatencyMs: 20_000));
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var slow = await refunds.Refund(Key(), RefundStack.Body("pi_takeover", 11m));
        var declined = await refunds.Refund(Key(), RefundStack.Body("swish_takeover", 12m, method: "swish"));
        await refunds.WaitFor(declined, "failed");
        await Eventually.Until("the card refund stuck in its attempt", async () =>
            await refunds.Count("select count(*) from refunds.refund where correlation_id = $1 and current_state = 'Attempting' and updated_at < now() - interval '3 seconds'", slow) == 1);

        var first = await StartRun(refunds, "first");
        await refunds.WaitFor(declined, "needs_support");
        await Eventually.Until("the card refund stuck in the first run's attempt", async () =>
            await refunds.Count("select count(*) from refunds.refund where correlation_id = $1 and current_state = 'Reconciling' and reconcile_run_id = $2 and updated_at < now() - interval '3 seconds'",
                slow, first) == 1);
        var second = await StartRun(refunds, "second");

        await Eventually.Until("the first run's mail sent", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and mail_sent_at is not null", first) == 1);
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and refund_id = $2 and outcome = 'skipped'", first, slow))
            .ShouldBe(1, "the first run heard that its refund was taken over");
        var mail = (await MailSink.WaitFor(first.ToString("N"), 1)).ShouldHaveSingleItem();
        mail.Body.ShouldContain(declined.ToString());

        await refunds.WaitFor(slow, "refunded");
        await Eventually.Until("the second run completed", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and completed_at is not null", second) == 1);
        (await refunds.TimesPaid(slow)).ShouldBe(1);
    }

    [Fact]
    public async Task The_support_digest_lists_refunds_that_failed_or_came_to_need_support_since_the_last_one_and_mails_nothing_new_twice()
    {
        await using var refunds = await RefundStack.Start();
        await using var bus = await TestBus.Start(refunds.Stack.Ground);
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var failed = await refunds.Refund(Key(), RefundStack.Body("swish_digest", 14m, method: "swish"));
        await refunds.WaitFor(failed, "failed");

        var digest = NewId.NextGuid();
        await bus.Bus.Publish(new SupportDigestDue(digest, DateTimeOffset.UtcNow.AddSeconds(1)));
        var mail = (await MailSink.WaitFor(digest.ToString("N"), 1)).ShouldHaveSingleItem();
        mail.Body.ShouldContain(failed.ToString());
        mail.Body.ShouldContain("14.00 SEK");
        // The mail goes out before its digest row commits; the next digest must find that row to start where it ended.
        await Eventually.Until("the first digest recorded", async () =>
            await refunds.Count("select count(*) from refunds.support_digest where digest_id = $1 and mail_sent_at is not null", digest) == 1);

        // The next digest covers only what came after: nothing, so no mail; the same digest again sends nothing either.
        var next = NewId.NextGuid();
        await bus.Bus.Publish(new SupportDigestDue(next, DateTimeOffset.UtcNow.AddSeconds(2)));
        await bus.Bus.Publish(new SupportDigestDue(digest, DateTimeOffset.UtcNow.AddSeconds(1)));
        await Eventually.Until("the next digest done", async () =>
            await refunds.Count("select count(*) from refunds.support_digest where digest_id = $1 and mail_sent_at is not null", next) == 1);
        await refunds.Stack.WaitUntilIdle();
        (await refunds.Count("select refunds from refunds.support_digest where digest_id = $1", next)).ShouldBe(0);
        (await MailSink.Containing(Path.Combine(MailSink.MailDirectory, "new"), next.ToString("N"))).ShouldBeEmpty();
        (await MailSink.WaitFor(digest.ToString("N"), 1)).Count.ShouldBe(1);
    }

    static async Task<Guid> StartRun(RefundStack refunds, string who)
    {
        using var trigger = await (await refunds.As(who)).PostAsJsonAsync("/reconciler/runs", new { });
        trigger.EnsureSuccessStatusCode();
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();
        await Eventually.Until($"run {who} started", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1", runId) == 1);
        return runId;
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

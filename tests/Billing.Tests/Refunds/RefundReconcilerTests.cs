using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Refunds;

[Collection(StackCollection.Name)]
public class RefundReconcilerTests(StackFixture stack)
{
    [Fact]
    public async Task The_reconciler_recovers_one_failed_refund_escalates_another_and_mails_support_once()
    {
        await using var refunds = await RefundStack.Start(stack);
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var recovers = await refunds.Refund(Key(), RefundStack.Body("pi_reconcile", 12m));
        var escalates = await refunds.Refund(Key(), RefundStack.Body("swish_reconcile", 13m, method: "swish"));
        await refunds.WaitFor(recovers, "failed", TimeSpan.FromSeconds(45));
        await refunds.WaitFor(escalates, "failed", TimeSpan.FromSeconds(45));

        // The provider's day after: cards work again, Swish still declines this one.
        await refunds.ClearFaults("card");
        using var trigger = await refunds.Api.PostAsJsonAsync("/reconciler/runs", new { requestedBy = "carol@support" });
        trigger.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        var recovered = await refunds.WaitFor(recovers, "refunded", TimeSpan.FromSeconds(30));
        recovered.Attempts!.Last().Lane.ShouldBe("reconcile");
        var escalated = await refunds.WaitFor(escalates, "needs_support", TimeSpan.FromSeconds(30));
        escalated.Attempts!.Last().Lane.ShouldBe("reconcile");
        (await refunds.TimesPaid(recovers)).ShouldBe(1);

        await Eventually.Get(async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and mail_sent_at is not null", runId) == 1 ? "" : null,
            TimeSpan.FromSeconds(30));
        await using (var bus = await TestBus.Start(stack))
            // The same run announced again (a re-fired job) starts nothing new.
            await bus.Bus.Publish(new ReconciliationDue { RunId = runId, DueAt = DateTimeOffset.UtcNow, Trigger = "manual:again" });
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and outcome is null", runId)).ShouldBe(0);
        var run = await refunds.Api.GetFromJsonAsync<JsonElement>($"/reconciler/runs/{runId}");
        run.GetProperty("trigger").GetString().ShouldBe("manual:carol@support");
        run.GetProperty("needsSupport").GetInt32().ShouldBeGreaterThanOrEqualTo(1);

        // The run id is the mail's Message-ID: one message per run, not one per refund.
        var mail = (await MailSink.WaitFor(runId.ToString("N"), 1, TimeSpan.FromSeconds(15))).ShouldHaveSingleItem();
        mail.Body.ShouldContain(escalates.ToString());
        mail.Body.ShouldContain("13.00 SEK");
        mail.Body.ShouldNotContain(recovers.ToString());
    }

    [Fact]
    public async Task A_run_with_nothing_failed_completes_without_mail()
    {
        await using var refunds = await RefundStack.Start(stack);
        await using var bus = await TestBus.Start(stack);
        // Settle whatever earlier tests left failed, then run again: the second run finds nothing.
        var first = NewId.NextGuid();
        await bus.Bus.Publish(new ReconciliationDue { RunId = first, DueAt = DateTimeOffset.UtcNow, Trigger = "manual:test" });
        await Eventually.Get(async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and completed_at is not null", first) == 1 ? "" : null,
            TimeSpan.FromSeconds(60));

        var second = NewId.NextGuid();
        await bus.Bus.Publish(new ReconciliationDue { RunId = second, DueAt = DateTimeOffset.UtcNow, Trigger = "manual:test" });
        await Eventually.Get(async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and completed_at is not null", second) == 1 ? "" : null,
            TimeSpan.FromSeconds(30));
        (await refunds.Count("select expected from refunds.reconciler_run where run_id = $1", second)).ShouldBe(0);
        (await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and mail_sent_at is null", second)).ShouldBe(1);
    }

    [Fact]
    public async Task A_refund_stuck_in_flight_is_taken_over_by_the_reconciler_and_paid_once()
    {
        await using var refunds = await RefundStack.Start(stack);
        // A refund whose fast attempt was lost two hours ago (its message went to an error queue, say).
        var key = Key();
        var stuck = RefundIds.FromIdempotencyKey(key);
        await refunds.Execute("""
            insert into refunds.refund (correlation_id, current_state, idempotency_key, request_fingerprint, payment_id, amount,
                currency, method, requested_at, updated_at)
            values ($1, 'Attempting', $2, 'seeded', 'pi_stuck', 19.90, 'SEK', 'card', now() - interval '2 hours', now() - interval '2 hours')
            """, stuck, key);
        var fresh = await refunds.Refund(Key(), RefundStack.Body("pi_not_stuck", 5m));

        using var trigger = await refunds.Api.PostAsJsonAsync("/reconciler/runs", new { requestedBy = "ops" });
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        var refund = await refunds.WaitFor(stuck, "refunded", TimeSpan.FromSeconds(30));
        refund.Attempts!.ShouldHaveSingleItem().Lane.ShouldBe("reconcile");
        refund.Attempts![0].LookedUp.ShouldBeTrue();
        (await refunds.TimesPaid(stuck)).ShouldBe(1);
        await Eventually.Get(async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and refund_id = $2 and outcome = 'refunded'",
                runId, stuck) == 1 ? "" : null, TimeSpan.FromSeconds(30));
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and refund_id = $2", runId, fresh))
            .ShouldBe(0, "a refund moving normally is not the reconciler's");
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

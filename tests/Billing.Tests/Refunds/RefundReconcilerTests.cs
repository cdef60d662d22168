using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Refunds;

public class RefundReconcilerTests
{
    [Fact]
    public async Task The_reconciler_recovers_one_failed_refund_escalates_another_and_mails_support_once()
    {
        await using var refunds = await RefundStack.Start();
        await refunds.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.Retryable));
        await refunds.SetFaults("swish", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var recovers = await refunds.Refund(Key(), RefundStack.Body("pi_reconcile", 12m));
        var escalates = await refunds.Refund(Key(), RefundStack.Body("swish_reconcile", 13m, method: "swish"));
        await refunds.WaitFor(recovers, "failed");
        await refunds.WaitFor(escalates, "failed");

        // The provider's day after: cards work again, Swish still declines this one.
        await refunds.ClearFaults("card");
        using var trigger = await (await refunds.As("carol@support")).PostAsJsonAsync("/reconciler/runs", new { });
        trigger.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        var recovered = await refunds.WaitFor(recovers, "refunded");
        recovered.Attempts!.Last().Lane.ShouldBe("reconcile");
        var escalated = await refunds.WaitFor(escalates, "needs_support");
        escalated.Attempts!.Last().Lane.ShouldBe("reconcile");
        (await refunds.TimesPaid(recovers)).ShouldBe(1);

        await Eventually.Until("the run's support mail sent", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and mail_sent_at is not null", runId) == 1);
        await using (var bus = await TestBus.Start(refunds.Stack.Ground))
            // The same run announced again (a re-fired job) starts nothing new.
            await bus.Bus.Publish(new ReconciliationDue { RunId = runId, DueAt = DateTimeOffset.UtcNow, Trigger = "manual:again" });
        await refunds.Stack.WaitUntilIdle();
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and outcome is null", runId)).ShouldBe(0);
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1", runId)).ShouldBe(2);
        var run = await refunds.Api.GetFromJsonAsync<JsonElement>($"/reconciler/runs/{runId}");
        run.GetProperty("trigger").GetString().ShouldBe("manual:key:carol@support");
        run.GetProperty("expected").GetInt32().ShouldBe(2);
        run.GetProperty("refunded").GetInt32().ShouldBe(1);
        run.GetProperty("needsSupport").GetInt32().ShouldBe(1);

        // The run id is the mail's Message-ID: one message per run, not one per refund.
        var mail = (await MailSink.WaitFor(runId.ToString("N"), 1)).ShouldHaveSingleItem();
        mail.Body.ShouldContain(escalates.ToString());
        mail.Body.ShouldContain("13.00 SEK");
        mail.Body.ShouldNotContain(recovers.ToString());
    }

    [Fact]
    public async Task A_run_with_nothing_failed_completes_without_mail()
    {
        await using var refunds = await RefundStack.Start();
        await using var bus = await TestBus.Start(refunds.Stack.Ground);
        var fine = await refunds.Refund(Key(), RefundStack.Body("pi_fine", 5m));
        await refunds.WaitFor(fine, "refunded");

        var runId = NewId.NextGuid();
        await bus.Bus.Publish(new ReconciliationDue { RunId = runId, DueAt = DateTimeOffset.UtcNow, Trigger = "manual:test" });
        await Eventually.Until("the run completed", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and completed_at is not null", runId) == 1);
        await refunds.Stack.WaitUntilIdle();

        (await refunds.Count("select expected from refunds.reconciler_run where run_id = $1", runId)).ShouldBe(0);
        (await refunds.Count("select count(*) from refunds.reconciler_run where run_id = $1 and mail_sent_at is null", runId)).ShouldBe(1);
        (await MailSink.Containing(Path.Combine(MailSink.MailDirectory, "new"), runId.ToString("N"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_refund_stuck_in_flight_is_taken_over_by_the_reconciler_and_paid_once()
    {
        await using var refunds = await RefundStack.Start();
        // A refund whose fast attempt was lost two hours ago (its message went to an error queue, say).
        var key = Key();
        var stuck = RefundIds.FromIdempotencyKey(key);
        await refunds.Execute("""
            insert into refunds.refund (correlation_id, current_state, idempotency_key, request_fingerprint, payment_id, amount,
                currency, method, requested_at, updated_at)
            values ($1, 'Attempting', $2, 'seeded', 'pi_stuck', 19.90, 'SEK', 'card', now() - interval '2 hours', now() - interval '2 hours')
            """, stuck, key);
        var fresh = await refunds.Refund(Key(), RefundStack.Body("pi_not_stuck", 5m));

        using var trigger = await (await refunds.As("ops")).PostAsJsonAsync("/reconciler/runs", new { });
        var runId = (await trigger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetGuid();

        var refund = await refunds.WaitFor(stuck, "refunded");
        refund.Attempts!.ShouldHaveSingleItem().Lane.ShouldBe("reconcile");
        (await refunds.TimesPaid(stuck)).ShouldBe(1);
        // At the provider: the takeover asked about the stuck refund before it paid (its lost attempt may have paid).
        var requests = (await refunds.Ledger()).Requests.Where(r => r.PaymentIntent == "pi_stuck" || RefundStack.IsOurs(r.Reference, stuck)).ToList();
        requests.Select(r => r.Operation).ShouldBe([ProviderOperation.Lookup, ProviderOperation.Refund]);
        await Eventually.Until("the run's item for the stuck refund refunded", async () =>
            await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and refund_id = $2 and outcome = 'refunded'",
                runId, stuck) == 1);
        (await refunds.Count("select count(*) from refunds.reconciler_run_item where run_id = $1 and refund_id = $2", runId, fresh))
            .ShouldBe(0, "a refund moving normally is not the reconciler's");
    }

    static string Key() => $"test-{Guid.NewGuid():N}";
}

using System.Net;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// Deliveries nobody is working on are picked up again by the sweeper, and a statement whose every channel was skipped says
/// it was not delivered. The sweeper looks every second here and counts a delivery lost after 3 s.
/// </summary>
public class UnsettledDeliveryTests
{
    static readonly Dictionary<string, string> FastSweep = new()
    {
        ["Statements__Delivery__Sweep__Interval"] = "00:00:01",
        ["Statements__Delivery__Sweep__LostAfter"] = "00:00:03",
    };

    [Fact]
    public async Task Statements_whose_delivery_messages_no_consumer_took_are_swept_and_one_whose_holder_opted_out_after_billing_is_not_delivered()
    {
        await using var stack = await StatementStack.Start(FastSweep, workers: 0);
        await stack.SeedAccounts(3, whatsAppEvery: 1);

        // Billed by a worker that delivers nothing: its StatementReady messages reach no delivery queue (none is bound yet).
        var billing = await stack.Billing.Stack.StartWorker(new Dictionary<string, string> { ["Statements__Delivery__Enabled"] = "false" });
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("every statement ready", async () =>
            await stack.Count("select count(*) from billing.account_billing where current_state = 'Ready'") == 3);
        await billing.Stop();
        (await stack.Count("select count(*) from billing.delivery")).ShouldBe(0, "no delivery had started");

        // After billing, the first holder withdraws every consent.
        await stack.Execute("update billing.account set sms_opt_in = false, email_opt_in = false, whatsapp_opt_in = false where account_id = 'acc-00001'");
        await stack.Billing.Stack.StartWorker();

        var run = await stack.WaitUntilDelivered(3);
        await stack.Billing.Stack.WaitUntilIdle();
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(2);
        var optedOut = await stack.Billing.Stack.Query("""
            select delivery_status || ' | ' || delivery_reason from billing.statement where account_id = 'acc-00001'
            """);
        optedOut.ShouldBe(["not_delivered | every channel skipped: sms opted_out, email opted_out, whatsapp opted_out"]);
        await Eventually.Until("the sagas delivered with their outcomes", async () => await stack.Count("""
            select count(*) from billing.account_billing
            where current_state = 'Delivered' and delivery_outcome = case when account_id = 'acc-00001' then 'not_delivered' else 'delivered' end
            """) == 3);
        (await stack.Billing.Run())!.DeliveryOutcomes.ShouldBe(new Dictionary<string, int> { ["delivered"] = 2, ["not_delivered"] = 1 });

        // Counted where they arrive: the two other holders got one of each.
        (await stack.Messages("sms")).Select(m => m.To).ShouldBe(["+46700000002", "+46700000003"], ignoreOrder: true);
        (await stack.Messages("whatsapp")).Count.ShouldBe(2);
        (await MailSink.WaitFor(stack.Tag, 2)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_retrying_delivery_whose_next_attempt_was_lost_is_swept_and_support_can_retry_one_still_retrying()
    {
        await using var stack = await StatementStack.Start(new Dictionary<string, string>(FastSweep)
        {
            ["Statements__Delivery__Sms__Attempts"] = "8",
            ["Statements__Delivery__Sms__FirstDelay"] = "00:00:30",
            ["Statements__Delivery__Sms__MaxDelay"] = "00:00:30",
        });
        await stack.StandIns.IgnoreMessagingKeys();
        await stack.StandIns.SetFaults("sms", new FaultSettings(FailRate: 1));
        await stack.SeedAccounts(3, whatsAppEvery: 3);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("every SMS waiting for its next attempt", async () =>
            await stack.Count("select count(*) from billing.delivery where channel = 'sms' and status = 'retrying' and next_attempt_at is not null") == 3);
        // Their next attempts are lost (a scheduler's store wiped, a broker that lost the scheduled message).
        await stack.Execute("delete from messaging.scheduled_message");
        await stack.StandIns.ClearFaults("sms");

        // Support need not wait for the sweep: a delivery still retrying can be started now.
        var statementId = Guid.Parse((await stack.Billing.Stack.Query("select statement_id from billing.statement where account_id = 'acc-00001'"))[0]);
        using (var retry = await stack.Api.PostAsync($"/statements/{statementId}/deliveries/sms/retry", null))
            retry.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync());

        // The two others are due 30 s after their failure; the sweeper finds them 3 s after that, long before a test times out.
        await stack.WaitUntilDelivered(3, TimeSpan.FromMinutes(2));
        await stack.Billing.Stack.WaitUntilIdle();
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(3);
        var sms = await stack.Messages("sms");
        sms.Select(m => m.To).ShouldBe(["+46700000001", "+46700000002", "+46700000003"], ignoreOrder: true);
        (await stack.Count("""
            select count(*) from audit.entry
            where action = 'delivery.retry' and entity_id = $1 and before->>'status' = 'retrying'
            """, $"{statementId}/sms")).ShouldBe(1);
    }
}

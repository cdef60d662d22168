using System.Net;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A provider that accepts a message and whose answer never comes back (held past the client's timeout), with the stand-ins
/// ignoring idempotency keys as Twilio and the Cloud API do: the retry must not be a second message to the holder.
/// </summary>
public class UnknownOutcomeTests
{
    const int Holders = 4;

    [Fact]
    public async Task An_sms_and_a_whatsapp_accepted_whose_answers_were_lost_reach_each_holder_once_and_the_whatsapp_is_recorded_unknown()
    {
        await using var stack = await StatementStack.Start(new Dictionary<string, string>
        {
            ["Notifications__Sms__Timeout"] = "00:00:02",
            ["Notifications__WhatsApp__Timeout"] = "00:00:02",
        });
        await stack.StandIns.IgnoreMessagingKeys();
        // Every message is delivered and its answer held for 20 s: the client gives up after 2 s not knowing.
        await stack.StandIns.SetFaults("sms", new FaultSettings(TimeoutAfterPayRate: 1));
        await stack.StandIns.SetFaults("whatsapp", new FaultSettings(TimeoutAfterPayRate: 1));
        await stack.SeedAccounts(Holders, whatsAppEvery: 1);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilDelivered(Holders);
        await stack.Billing.Stack.WaitUntilIdle();

        // Counted at the provider, per holder: the SMS was looked up after its timeout and found, not sent again.
        var sms = await stack.Messages("sms");
        sms.GroupBy(m => m.To).Select(g => g.Count()).ShouldBe(Enumerable.Repeat(1, Holders), "one SMS per holder at the provider");
        var recorded = await stack.Billing.Stack.Query("select provider_message_id from billing.delivery where channel = 'sms' and status = 'sent'");
        recorded.ShouldBe(sms.Select(m => m.MessageId), ignoreOrder: true);
        (await stack.Count("select count(*) from billing.delivery where channel = 'sms' and attempts >= 2")).ShouldBe(Holders,
            "each SMS had an attempt after the unknown outcome (the lookup)");

        // WhatsApp has no lookup: at most once, and recorded unknown for support.
        var whatsApp = await stack.Messages("whatsapp");
        whatsApp.GroupBy(m => m.To).Select(g => g.Count()).ShouldBe(Enumerable.Repeat(1, Holders), "at most one WhatsApp per holder");
        (await StatementDeliveryTests.Tally(stack)).ShouldBe(new Dictionary<string, long>
        {
            ["email:sent"] = Holders, ["pdf:sent"] = Holders, ["sms:sent"] = Holders, ["whatsapp:unknown:outcome_unknown"] = Holders,
        });
        (await stack.Count("select count(*) from billing.delivery where channel = 'whatsapp' and attempts = 1")).ShouldBe(Holders);
        (await stack.Count("""
            select count(*) from billing.statement
            where delivery_status = 'partly_delivered' and delivery_reason = 'whatsapp unknown: outcome_unknown'
            """)).ShouldBe(Holders);
        await Eventually.Until("the sagas delivered with the outcome", async () => await stack.Count("""
            select count(*) from billing.account_billing
            where current_state = 'Delivered' and delivery_outcome = 'partly_delivered' and delivery = 'sms:sent pdf:sent email:sent whatsapp:unknown'
            """) == Holders);
        (await stack.Billing.Run())!.DeliveryOutcomes.ShouldBe(new Dictionary<string, int> { ["partly_delivered"] = Holders });

        // Support, having checked with the holder that nothing arrived, retries one by hand: sent again, knowingly, and audited.
        await stack.StandIns.ClearFaults("whatsapp");
        var statementId = Guid.Parse((await stack.Billing.Stack.Query("select statement_id from billing.statement where account_id = 'acc-00001'"))[0]);
        using (var retry = await stack.Api.PostAsync($"/statements/{statementId}/deliveries/whatsapp/retry", null))
            retry.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync());
        await Eventually.Until("the retried WhatsApp sent and the statement delivered", async () => await stack.Count(
            "select count(*) from billing.statement where statement_id = $1 and delivery_status = 'delivered'", statementId) == 1);
        (await stack.Messages("whatsapp")).Count.ShouldBe(Holders + 1);
        (await stack.Count("""
            select count(*) from audit.entry
            where action = 'delivery.retry' and entity_id = $1 and before->>'status' = 'unknown' and after->>'status' = 'retrying'
            """, $"{statementId}/whatsapp")).ShouldBe(1);
    }
}

using System.Net;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// Killing a worker in the middle of delivery, and Chromium under another, loses no statement and sends no message twice:
/// every holder gets exactly one SMS, one e-mail Message-ID and (if opted in) at most one WhatsApp message, counted where
/// they arrive. The stand-ins ignore idempotency keys, as Twilio and the Cloud API do, so the provider's deduplication
/// cannot hide a repeat: what the killed worker had sent is found (SMS: Twilio's list) or given up as unknown (WhatsApp).
/// Breaking the lookup (ChannelDelivery's call marker) sends a second SMS to the holders whose call was in flight.
/// </summary>
public class StatementDeliveryCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const int Accounts = 150;

    [Fact]
    public async Task Killing_a_worker_mid_delivery_and_chromium_mid_render_loses_nothing_and_each_holder_gets_one_sms_at_most_one_whatsapp_and_one_email_message_id()
    {
        await using var stack = await StatementStack.Start(workers: 2);
        await stack.StandIns.IgnoreMessagingKeys();
        await stack.SeedAccounts(Accounts, whatsAppEvery: 2);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("the first e-mails sent", async () =>
            await stack.Count("select count(*) from billing.delivery where channel = 'email' and status = 'sent'") >= 10);
        var workers = stack.Billing.Stack.Workers;
        // The worker alone, as the OOM killer would: its Chromium must not live on as an orphan (it did over a WebSocket).
        var orphans = await Eventually.Get("the first worker rendering", () => Task.FromResult(ProcessTree.Descendants(workers[0].Id, "chrom")),
            found => found.Count > 0);
        workers[0].KillAlone();
        (await workers[0].WaitForExit(TimeSpan.FromSeconds(30))).ShouldBeTrue("the killed worker should be gone");
        await Eventually.Until("the killed worker's Chromium to end with it", () => !orphans.Any(ProcessTree.IsAlive), TimeSpan.FromSeconds(30));

        await Eventually.Until("the survivor rendering", async () => ProcessTree.Descendants(workers[1].Id, "chrom").Count > 0);
        foreach (var chromium in ProcessTree.Descendants(workers[1].Id, "chrom"))
            KillQuietly(chromium);
        await stack.Billing.Stack.StartWorker();

        await stack.WaitUntilDelivered(Accounts, TimeSpan.FromMinutes(4));
        await stack.Billing.Stack.WaitUntilIdle();
        // A WhatsApp whose call was in flight when its worker died is not sent again (at most once): unknown, for support.
        var unknown = await stack.Count("select count(*) from billing.delivery where channel = 'whatsapp' and status = 'unknown'");
        output.WriteLine($"WhatsApp messages given up as unknown: {unknown}");
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(Accounts - unknown);
        (await stack.Count("""
            select count(*) from billing.statement where delivery_status = 'partly_delivered' and delivery_reason = 'whatsapp unknown: outcome_unknown'
            """)).ShouldBe(unknown);

        var sms = await stack.Messages("sms");
        sms.GroupBy(m => m.To).Count().ShouldBe(Accounts, "an SMS to every holder");
        sms.GroupBy(m => m.To).ShouldAllBe(g => g.Count() == 1, "one SMS per holder at the provider");
        var whatsApp = await stack.Messages("whatsapp");
        whatsApp.GroupBy(m => m.To).ShouldAllBe(g => g.Count() == 1, "at most one WhatsApp per holder at the provider");
        whatsApp.Select(m => m.To).Distinct().Count().ShouldBeGreaterThanOrEqualTo(Accounts / 2 - (int)unknown);

        // SMTP has no idempotency: a mail the server had taken when the worker died (its 250 on the way back, or not yet
        // recorded) is sent again by the redelivery, with the same Message-ID, which is what a mailbox shows once. So each
        // holder has exactly one Message-ID, and copies on the wire are bounded by the mails the killed worker had in
        // flight: the e-mail channel's concurrency (8). Not fewer: any of those the sink took before the kill (its 250 not yet
        // read, or read and not yet written down) is sent again, and nothing can tell which the sink took.
        var mails = (await stack.Mails(Accounts)).Select(m => MimeMessage.Load(m.Path)).ToList();
        var byHolder = mails.GroupBy(m => m.To.Mailboxes.Single().Address).ToList();
        byHolder.Count.ShouldBe(Accounts, "an e-mail to every holder");
        byHolder.ShouldAllBe(h => h.Select(m => m.MessageId).Distinct().Count() == 1, "one e-mail per holder: one Message-ID each");
        output.WriteLine($"e-mails on the wire: {mails.Count} for {Accounts} holders");
        (mails.Count - Accounts).ShouldBeLessThanOrEqualTo(8, "only mails in flight when the worker died are sent again");
        (await stack.Count("select count(*) from billing.statement where pdf_pages > 0 and pdf_sha256 is not null")).ShouldBe(Accounts);
    }

    static void KillQuietly(int pid)
    {
        try
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Gone already: killing the browser's main process takes its children with it.
        }
    }
}

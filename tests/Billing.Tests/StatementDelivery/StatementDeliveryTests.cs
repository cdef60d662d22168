using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.StatementDelivery;
using Billing.Providers.StandIn.Control;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.StatementDelivery;

public class StatementDeliveryTests
{
    [Fact]
    public async Task A_billed_statement_is_rendered_and_sent_once_on_every_channel_the_holder_can_be_reached_on()
    {
        await using var stack = await StatementStack.Start();
        await stack.SeedAccounts(30, whatsAppEvery: 3);
        // acc-00001…5 opted out of SMS, acc-00006…8 have no e-mail address; every third is on WhatsApp.
        await stack.Execute("update billing.account set sms_opt_in = false where account_id <= 'acc-00005'");
        await stack.Execute("update billing.account set email = null where account_id between 'acc-00006' and 'acc-00008'");

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilDelivered(30);
        await Eventually.Until("every billing saga Delivered", async () =>
            await stack.Count("select count(*) from billing.account_billing where current_state = 'Delivered'") == 30);
        var run = (await stack.Billing.Run())!;
        run.Delivered.ShouldBe(30);
        run.Ready.ShouldBe(30, "a delivered statement is still a ready one");

        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(30);
        (await Tally(stack)).ShouldBe(new Dictionary<string, long>
        {
            ["email:sent"] = 27, ["email:skipped:no_email"] = 3,
            ["pdf:sent"] = 30,
            ["sms:sent"] = 25, ["sms:skipped:opted_out"] = 5,
            ["whatsapp:sent"] = 10, ["whatsapp:skipped:opted_out"] = 20,
        });

        var sms = await stack.Messages("sms");
        sms.Count.ShouldBe(25);
        sms.Select(m => m.To).Distinct().Count().ShouldBe(25, "one SMS per holder");
        sms.ShouldAllBe(m => m.Body!.Contains("/s/") && m.IdempotencyKey!.EndsWith("-sms"));
        var whatsApp = await stack.Messages("whatsapp");
        whatsApp.Count.ShouldBe(10);
        whatsApp.Select(m => m.To).Distinct().Count().ShouldBe(10);
        whatsApp.ShouldAllBe(m => m.Document != null && m.Document!.Id != null && m.Document!.Filename!.EndsWith(".pdf"));

        var mails = await stack.Mails(27);
        mails.Count.ShouldBe(27);
        var first = MimeMessage.Load(mails[0].Path);
        var attachment = first.Attachments.OfType<MimePart>().ShouldHaveSingleItem();
        attachment.ContentType.MimeType.ShouldBe("application/pdf");
        var opened = Path.Combine(stack.PdfDirectory, "from-mail.pdf");
        await using (var file = File.Create(opened))
            await attachment.Content!.DecodeToAsync(file);
        (await StatementStack.PdfText(opened)).ShouldContain("Minimum");

        // The API shows the statement with its PDF and deliveries, and serves the PDF the short link leads to.
        var statementId = Guid.Parse((await stack.Billing.Stack.Query(
            "select statement_id from billing.statement where account_id = 'acc-00009'"))[0]);
        var view = await stack.Api.GetFromJsonAsync<JsonElement>($"/statements/{statementId}", BillingStack.Json);
        view.GetProperty("deliveryStatus").GetString().ShouldBe("delivered");
        view.GetProperty("pdf").GetProperty("pages").GetInt32().ShouldBeGreaterThan(0);
        view.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("channel").GetString() + ":" + d.GetProperty("status").GetString())
            .ShouldBe(["sms:sent", "pdf:sent", "email:sent", "whatsapp:sent"]);
        // The holder's link, as the SMS carries it, opens the PDF without a login; the PDF's own address asks for one, and a
        // link whose signature does not match, or the bare statement id, opens nothing.
        var code = System.Text.RegularExpressions.Regex.Match(sms[0].Body!, "/s/([A-Za-z0-9_-]{32})").Groups[1].Value;
        code.ShouldNotBeEmpty(sms[0].Body);
        var customer = stack.Billing.Stack.AnonymousClient();
        using var pdf = await customer.GetAsync($"/s/{code}");
        pdf.StatusCode.ShouldBe(HttpStatusCode.OK);
        pdf.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        (await pdf.Content.ReadAsByteArrayAsync())[..5].ShouldBe("%PDF-"u8.ToArray());
        (await customer.GetAsync($"/statements/{statementId}/pdf")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var forged = code[..^2] + (code[^2] == 'A' ? "BA" : "AA");
        (await customer.GetAsync($"/s/{forged}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var bare = Convert.ToBase64String(statementId.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        (await customer.GetAsync($"/s/{bare}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await stack.Api.GetAsync($"/statements/{Guid.NewGuid()}/pdf")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await customer.GetAsync("/s/not-a-code")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // StatementReady and StatementPdfSettled again, as a redelivery or a second publish would bring them: nothing is sent twice.
        await using var bus = await TestBus.Start(stack.Billing.Stack.Ground);
        var ready = await stack.Billing.Stack.Query("select statement_id || ' ' || account_id || ' ' || statement_date from billing.statement");
        foreach (var row in ready.Select(r => r.Split(' ')))
        {
            var (id, account, date) = (Guid.Parse(row[0]), row[1], DateOnly.Parse(row[2]));
            await bus.Bus.Publish(new StatementReady(id, BillingStack.RunId, account, date, 0m, 0m, date, "SEK"));
            await bus.Bus.Publish(new StatementPdfSettled(id, account, true, null));
        }

        await stack.Billing.Stack.WaitUntilIdle();
        (await stack.Messages("sms")).Count.ShouldBe(25);
        (await stack.Messages("whatsapp")).Count.ShouldBe(10);
        (await MailSink.WaitFor(stack.Tag, 27)).Count.ShouldBe(27);
        (await Tally(stack))["sms:sent"].ShouldBe(25);
    }

    [Fact]
    public async Task An_sms_outage_is_ridden_out_by_the_channels_own_retries_while_the_other_channels_deliver()
    {
        await using var stack = await StatementStack.Start(new Dictionary<string, string> { ["Statements__Delivery__Sms__Attempts"] = "8" });
        await stack.StandIns.SetFaults("sms", new FaultSettings(DarkUntil: DateTimeOffset.UtcNow.AddMinutes(2)));
        await stack.SeedAccounts(10, whatsAppEvery: 2);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("the e-mails sent while SMS is dark", async () =>
            await stack.Count("select count(*) from billing.delivery where channel = 'email' and status = 'sent'") == 10);
        await Eventually.Until("every SMS waiting for its next attempt", async () =>
            await stack.Count("select count(*) from billing.delivery where channel = 'sms' and status = 'retrying'") == 10);
        (await stack.Messages("sms")).ShouldBeEmpty();
        await stack.StandIns.ClearFaults("sms");

        await stack.WaitUntilDelivered(10);
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(10);
        (await stack.Count("select count(*) from billing.delivery where channel = 'sms' and status = 'sent' and attempts > 1")).ShouldBe(10);
        (await stack.Messages("sms")).Select(m => m.To).Distinct().Count().ShouldBe(10);
        (await stack.Messages("sms")).Count.ShouldBe(10, "one SMS each, however many attempts it took");
    }

    [Fact]
    public async Task A_channel_that_fails_for_good_leaves_the_others_delivered_and_says_so()
    {
        await using var stack = await StatementStack.Start();
        await stack.StandIns.SetFaults("whatsapp", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        await stack.SeedAccounts(6, whatsAppEvery: 1);

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilDelivered(6);

        (await Tally(stack)).ShouldBe(new Dictionary<string, long>
        {
            ["email:sent"] = 6, ["pdf:sent"] = 6, ["sms:sent"] = 6, ["whatsapp:failed:refused"] = 6,
        });
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'partly_delivered'")).ShouldBe(6);
        (await stack.Count("select count(*) from billing.delivery where channel = 'whatsapp' and attempts = 1 and last_error is not null")).ShouldBe(6,
            "a refusal is not retried");
        await Eventually.Until("the sagas delivered with what each channel did", async () => await stack.Count("""
            select count(*) from billing.account_billing
            where current_state = 'Delivered' and delivery = 'sms:sent pdf:sent email:sent whatsapp:failed'
            """) == 6);
        (await stack.Mails(6)).Count.ShouldBe(6);

        // Support retries one statement's WhatsApp once the provider takes messages again; the statement is then delivered.
        await stack.StandIns.ClearFaults("whatsapp");
        var statementId = Guid.Parse((await stack.Billing.Stack.Query(
            "select statement_id from billing.statement where account_id = 'acc-00001'"))[0]);
        using (var retry = await stack.Api.PostAsync($"/statements/{statementId}/deliveries/whatsapp/retry", null))
            retry.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync());
        await Eventually.Until("the retried WhatsApp sent and the statement delivered", async () => await stack.Count(
            "select count(*) from billing.statement where statement_id = $1 and delivery_status = 'delivered'", statementId) == 1);
        await Eventually.Until("the saga with the new outcome", async () => await stack.Count(
            "select count(*) from billing.account_billing where statement_id = $1 and delivery = 'sms:sent pdf:sent email:sent whatsapp:sent'",
            statementId) == 1);
        (await stack.Messages("whatsapp")).Count.ShouldBe(1);
        (await stack.Messages("sms")).Count.ShouldBe(6, "a retried channel sends nothing on the others");
        using (var again = await stack.Api.PostAsync($"/statements/{statementId}/deliveries/whatsapp/retry", null))
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict, "a sent delivery is not retried");
        (await stack.Api.PostAsync($"/statements/{statementId}/deliveries/fax/retry", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await stack.Api.PostAsync($"/statements/{Guid.NewGuid()}/deliveries/sms/retry", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>channel:status[:reason] → count, over every delivery record.</summary>
    internal static async Task<Dictionary<string, long>> Tally(StatementStack stack)
    {
        var rows = await stack.Billing.Stack.Query("""
            select channel || ':' || status || coalesce(':' || reason, '') || '=' || count(*)
            from billing.delivery group by channel, status, reason order by 1
            """);
        return rows.Select(r => r.Split('=')).ToDictionary(p => p[0], p => long.Parse(p[1]));
    }
}

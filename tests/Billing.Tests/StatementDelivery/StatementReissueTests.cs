using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Access;
using Billing.Features.Ledger;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A correction is a new statement version, never an edit of what was sent (issue 19, item 10): support re-issues a
/// delivered statement after the holder's name was fixed, with delivery on, and the holder gets a corrected statement on
/// every channel while the billed one, its PDF and the run's figures stay as they were.
/// </summary>
public class StatementReissueTests
{
    [Fact]
    public async Task A_reissue_is_a_new_version_with_the_same_money_delivered_as_corrected_and_the_billed_statement_is_untouched()
    {
        await using var stack = await StatementStack.Start();
        await stack.SeedAccounts(2);
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilDelivered(2);
        await Eventually.Until("both billings Delivered", async () =>
            await stack.Count("select count(*) from billing.account_billing where current_state = 'Delivered'") == 2);
        var billedId = Guid.Parse((await stack.Billing.Stack.Query(
            "select statement_id from billing.statement where account_id = 'acc-00001'"))[0]);
        var billed = await View(stack, billedId);
        var billedMails = (await stack.Mails(2)).Count;
        const string billing = "select delivered_at::text || ' ' || delivery from billing.account_billing where account_id = 'acc-00001'";
        var billingDelivered = (await stack.Billing.Stack.Query(billing)).Single();

        // The holder's name was misspelt; meanwhile the rate changed and a purchase was imported back-dated into the period.
        await stack.Execute("update billing.account set name = 'Karin Schmidt-Berg' where account_id = 'acc-00001'");
        await stack.Execute("update billing.loan set apr = 0.35 where account_id = 'acc-00001'");
        await stack.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            values ('acc-00001', 'purchase', 99, 'SEK', 'back-dated-1', $1, $1, 'Imported a day late')
            """, new DateTimeOffset(BillingStack.Today.AddDays(-3).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));

        // Two support agents (or one double click) at once: one new version; the other answer is that version again.
        var support = await stack.Billing.Stack.ClientAs("sam", Roles.Support);
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            using var response = await support.PostAsJsonAsync($"/statements/{billedId}/reissues", new { reason = "Holder's name was misspelt" });
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>(BillingStack.Json));
        }));
        answers.Select(a => a.StatusCode).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Created]);
        answers.Select(a => a.Body.GetProperty("statementId").GetGuid()).Distinct().Count().ShouldBe(1);
        var created = answers.Single(a => a.StatusCode == HttpStatusCode.Created).Body;
        created.GetProperty("version").GetInt32().ShouldBe(2);
        created.GetProperty("correctsStatementId").GetGuid().ShouldBe(billedId);
        var reissueId = created.GetProperty("statementId").GetGuid();

        await stack.WaitUntilDelivered(3);
        var reissue = await View(stack, reissueId);
        reissue.GetProperty("version").GetInt32().ShouldBe(2);
        reissue.GetProperty("correctsStatementId").GetGuid().ShouldBe(billedId);
        reissue.GetProperty("deliveryStatus").GetString().ShouldBe("delivered");
        foreach (var figure in new[] { "statementDate", "openingBalance", "purchases", "interest", "closingBalance", "minimumDue", "dueDate", "cutoff" })
            reissue.GetProperty(figure).GetRawText().ShouldBe(billed.GetProperty(figure).GetRawText(), figure);
        reissue.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("channel").GetString() + ":" + d.GetProperty("status").GetString())
            .ShouldBe(["sms:sent", "pdf:sent", "email:sent", "whatsapp:sent"]);
        (await stack.Count("""
            select count(*) from (select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = $1
                                  except select line_no, booked_on, kind, description, amount from billing.statement_line where statement_id = $2) d
            """, reissueId, billedId)).ShouldBe(0, "the re-issue shows the lines billed, not the back-dated purchase");

        // The billed statement is as it was, now pointing at its correction; the run counts it, not the re-issue.
        var after = await View(stack, billedId);
        after.GetProperty("correctedByStatementId").GetGuid().ShouldBe(reissueId);
        after.GetProperty("pdf").GetRawText().ShouldBe(billed.GetProperty("pdf").GetRawText());
        after.GetProperty("deliveries").GetRawText().ShouldBe(billed.GetProperty("deliveries").GetRawText());
        (await stack.Billing.Run())!.Delivered.ShouldBe(2);
        (await stack.Billing.Stack.Query(billing)).Single().ShouldBe(billingDelivered, "the billing keeps its own statement's delivery");

        // The holder hears it is a correction, on every channel, under the corrected name.
        var sms = await stack.Messages("sms");
        sms.Count.ShouldBe(3);
        sms.Count(m => m.Body!.StartsWith("Your corrected statement is ready.")).ShouldBe(1);
        (await stack.Messages("whatsapp")).Count(m => m.Template?.Name == "statement_corrected").ShouldBe(1);
        var mail = (await stack.Mails(billedMails + 1)).Where(m => m.Subject.StartsWith("Your corrected statement")).ShouldHaveSingleItem();
        var attachment = MimeMessage.Load(mail.Path).Attachments.OfType<MimePart>().ShouldHaveSingleItem();
        var opened = Path.Combine(stack.PdfDirectory, "corrected.pdf");
        await using (var file = File.Create(opened))
            await attachment.Content!.DecodeToAsync(file);
        var text = await StatementStack.PdfText(opened);
        text.ShouldContain("Corrected statement (version 2)");
        text.ShouldContain("Karin Schmidt-Berg");
        text.ShouldContain("24.00%", Case.Sensitive, "the APR the interest used, not today's");

        // Asked again with another reason, it points at the version to correct; bad input writes nothing; the ledger holds.
        using (var again = await support.PostAsJsonAsync($"/statements/{billedId}/reissues", new { reason = "Another reason" }))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = await again.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("code").GetString().ShouldBe("already_corrected");
            problem.GetProperty("correctedBy").GetGuid().ShouldBe(reissueId);
        }

        (await support.PostAsJsonAsync($"/statements/{Guid.NewGuid()}/reissues", new { reason = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await support.PostAsJsonAsync($"/statements/{reissueId}/reissues", new { reason = "  " })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await support.PostAsJsonAsync($"/statements/{reissueId}/reissues", new { reason = new string('x', 501) })).StatusCode
            .ShouldBe(HttpStatusCode.BadRequest);
        (await stack.Billing.Stack.AnonymousClient().PostAsJsonAsync($"/statements/{reissueId}/reissues", new { reason = "x" })).StatusCode
            .ShouldBe(HttpStatusCode.Unauthorized);
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(3);
        (await stack.Count("select count(*) from audit.entry where action = 'statement.reissue' and actor like '%sam'")).ShouldBe(1);
        var audit = await new LedgerAuditor(stack.Billing.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance)
            .Run(Guid.NewGuid(), "test", CancellationToken.None);
        audit.Violations.ShouldBe(0, string.Join(", ", audit.ByRule.Select(r => $"{r.Key}: {r.Value}")));
    }

    static Task<JsonElement> View(StatementStack stack, Guid statementId) =>
        stack.Api.GetFromJsonAsync<JsonElement>($"/statements/{statementId}", BillingStack.Json);
}

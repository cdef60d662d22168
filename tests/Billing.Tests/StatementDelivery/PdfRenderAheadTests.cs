using System.Diagnostics;
using System.Net;
using Billing.Tests.Support;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A PDF is rendered before its message's transaction begins (StatementPdfPrerender): a render waiting for Chromium holds
/// no pooled connection and no open transaction, so the PDF endpoint can be as wide as the renderer's batches.
/// </summary>
public class PdfRenderAheadTests
{
    [Fact]
    public async Task A_statement_waiting_for_its_render_holds_no_transaction_open()
    {
        // Every render waits 15 s for its batch to fill (100 would fill it; 30 come): long enough to be seen waiting.
        await using var stack = await StatementStack.Start(new Dictionary<string, string>
        {
            ["Statements__Pdf__BatchSize"] = "100",
            ["Statements__Pdf__BatchWait"] = "00:00:15",
        });
        await stack.SeedAccounts(30, whatsAppEvery: 1_000);
        // A delivery's claim ('sending') is the last thing a consumer wrote before it calls out: with SMS off and the e-mails
        // waiting for their PDFs, a transaction left open after a claim is a PDF's, waiting for Chromium.
        await stack.Execute("update billing.account set sms_opt_in = false");

        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        // Once billing is done (its own transactions are not what is watched), while the batch fills.
        await stack.Billing.WaitUntilReady(30);
        long held = 0, waitingRenders = 0;
        var heldQueries = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        // Until the batch has printed (its first PDF is in the store): until then every statement billed waits for its render.
        while (clock.Elapsed < TimeSpan.FromMinutes(2) && !Printed(stack.PdfDirectory))
        {
            var open = await stack.Billing.Stack.Query("""
                select left(query, 100) from pg_stat_activity
                where datname = current_database() and state = 'idle in transaction' and now() - state_change > interval '1 second'
                  and query like '%''sending''%'
                """);
            held = Math.Max(held, open.Count);
            heldQueries.UnionWith(open);
            waitingRenders = Math.Max(waitingRenders, await stack.Count(
                "select count(*) from billing.statement where pdf_path is null"));
            await Task.Delay(200);
        }

        await stack.WaitUntilDelivered(30);
        waitingRenders.ShouldBeGreaterThan(0, "the test must have looked while renders waited");
        held.ShouldBe(0, "no transaction stays open while its statement waits for Chromium: " + string.Join(" | ", heldQueries));
        (await stack.Count("select count(*) from billing.delivery where channel = 'pdf' and status = 'sent'")).ShouldBe(30);
        (await stack.Count("select count(*) from billing.statement where pdf_pages >= 1 and render_ms >= 0")).ShouldBe(30);
    }

    static bool Printed(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFiles(directory, "*.pdf", SearchOption.AllDirectories).Any();
}

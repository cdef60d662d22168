using System.Net;
using System.Text;
using Billing.Contracts.Statements;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using Billing.Tests.BillingRuns;
using Billing.Tests.StatementPdfs;
using Billing.Tests.Support;
using MimeKit;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A statement says its PDF is stored, and it is not where the e-mail and WhatsApp consumers look: the S2 case of a
/// worker host that does not see the renderer's disk, or an object store that has not got the object yet.
/// </summary>
public sealed class MissingPdfTests
{
    const int Accounts = 3;

    static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

    [Theory]
    [InlineData("filesystem")]
    [InlineData("s3")]
    public async Task A_pdf_missing_from_the_store_is_retried_as_pdf_missing_and_sent_once_it_is_there_with_nothing_in_an_error_queue(string store)
    {
        // Breaks if a consumer reads the PDF unguarded: the FileNotFoundException (or the SDK's NoSuchKey) takes the
        // message to statement-email_error / statement-whatsapp_error and the delivery never settles.
        await using var bucket = store == "s3" ? await ObjectStore.WithBucket() : null;
        var storeSettings = bucket?.ServiceSettings ?? new Dictionary<string, string>();
        // Billing alone first: statements written, nothing rendered or sent. The API reads the same store as the workers.
        await using var stack = await StatementStack.Start(new Dictionary<string, string>(storeSettings) { ["Statements__Delivery__Enabled"] = "false" });
        await stack.SeedAccounts(Accounts, whatsAppEvery: 1);
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.Billing.WaitUntilReady(Accounts);

        // A delivering worker whose store has nothing yet under the keys the statements name.
        var delivering = new Dictionary<string, string> { ["Statements__Delivery__Enabled"] = "true" };
        foreach (var channel in new[] { "Email", "WhatsApp" })
        {
            delivering[$"Statements__Delivery__{channel}__Attempts"] = "12";
            delivering[$"Statements__Delivery__{channel}__MaxDelay"] = "00:00:02";
        }

        await stack.Billing.Stack.StartWorker(delivering);
        IStatementPdfStore pdfs = bucket is null
            ? new FileSystemStatementPdfStore(stack.PdfDirectory)
            : new S3StatementPdfStore(bucket.Client, bucket.Options);

        var statements = (await stack.Billing.Stack.Query("select statement_id || ' ' || account_id || ' ' || statement_date from billing.statement"))
            .Select(row => row.Split(' ')).Select(p => (Id: Guid.Parse(p[0]), Account: p[1], Date: DateOnly.Parse(p[2]))).ToList();
        statements.Count.ShouldBe(Accounts);
        await using (var bus = await TestBus.Start(stack.Billing.Stack.Ground))
            foreach (var s in statements)
            {
                await stack.Execute("update billing.statement set pdf_path = $2, pdf_sha256 = 'x', pdf_bytes = 1, pdf_pages = 1, rendered_at = now() where statement_id = $1",
                    s.Id, StatementPdfKeys.For(s.Id, s.Date));
                await bus.Bus.Publish(new StatementPdfSettled(s.Id, s.Account, Rendered: true, Error: null));
            }

        await Eventually.Until("every e-mail and WhatsApp delivery retrying as pdf_missing", async () => await stack.Count(
            "select count(*) from billing.delivery where status = 'retrying' and last_error like 'pdf_missing:%'") == 2 * Accounts);
        (await stack.Count("select count(*) from billing.delivery where status = 'sent'")).ShouldBe(0);
        (await stack.Api.GetAsync($"/statements/{statements[0].Id}/pdf")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        foreach (var s in statements)
            await pdfs.Save(StatementSamples.Swedish(s.Account) with { StatementId = s.Id, StatementDate = s.Date },
                new RenderedPdf(Pdf, 1), CancellationToken.None);

        await Eventually.Until("every e-mail and WhatsApp delivery sent", async () =>
            await stack.Count("select count(*) from billing.delivery where status = 'sent'") == 2 * Accounts);
        var mails = await stack.Mails(Accounts);
        mails.Count.ShouldBe(Accounts);
        foreach (var mail in mails)
        {
            var attachment = MimeMessage.Load(mail.Path).Attachments.OfType<MimePart>().ShouldHaveSingleItem();
            using var content = new MemoryStream();
            await attachment.Content!.DecodeToAsync(content);
            content.ToArray().ShouldBe(Pdf);
        }

        (await stack.Messages("whatsapp")).Count.ShouldBe(Accounts);
        (await stack.Api.GetByteArrayAsync($"/statements/{statements[0].Id}/pdf")).ShouldBe(Pdf);
        (await stack.Billing.Stack.Ground.Queues()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ShouldBeEmpty();
    }
}

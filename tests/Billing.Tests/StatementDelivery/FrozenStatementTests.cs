using System.Net;
using System.Text.Json;
using Billing.Features.StatementDelivery;
using Billing.Infrastructure.Persistence;
using Billing.Features.StatementPdfs;
using Billing.Tests.BillingRuns;
using Billing.Tests.StatementPdfs;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.StatementDelivery;

/// <summary>
/// A statement is frozen when billed (issue 19, W2): what a PDF is drawn from, read again after the holder's name, the
/// loan's rate and limit change and a back-dated purchase is imported into its period, is what it was, and its PDF rendered
/// again is the same bytes but for the creation date Chromium writes (fails with the APR read from the live loan: seen).
/// </summary>
public class FrozenStatementTests
{
    [Fact]
    public async Task A_statement_read_again_after_its_account_and_loan_changed_and_a_back_dated_import_shows_what_was_billed()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(1);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await stack.WaitUntilFinished()).Ready.ShouldBe(1);
        var statementId = Guid.Parse((await stack.Stack.Query("select statement_id::text from billing.statement")).Single());

        var builder = Host.CreateApplicationBuilder();
        InProcessHost.Configure(builder.Configuration, stack.Stack.Ground);
        builder.Services.AddBillingPersistence(builder.Configuration);
        builder.Services.Configure<DeliveryOptions>(builder.Configuration.GetSection(DeliveryOptions.Section));
        builder.Services.AddSingleton<StatementLinks>();
        builder.Services.AddScoped<StatementRecipients>();
        using var host = builder.Build();
        async Task<StatementDocument> Document()
        {
            using var scope = host.Services.CreateScope();
            var recipient = await scope.ServiceProvider.GetRequiredService<StatementRecipients>().Load(statementId, withLines: true, CancellationToken.None);
            return recipient!.Document;
        }

        await using var chromium = new Chromium();
        var billedDocument = await Document();
        var billed = JsonSerializer.Serialize(billedDocument);
        var billedPdf = (await chromium.PerPage.Render(billedDocument, CancellationToken.None)).Content;
        await stack.Stack.Execute("update billing.loan set apr = 0.35, credit_limit = 1000 where account_id = 'acc-00001'");
        await stack.Stack.Execute("update billing.account set name = 'Someone Else', locale = 'sv-SE' where account_id = 'acc-00001'");
        await stack.Stack.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            values ('acc-00001', 'purchase', 99, 'SEK', 'back-dated-1', $1, $1, 'Imported a day late')
            """, new DateTimeOffset(BillingStack.Today.AddDays(-3).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));

        var againDocument = await Document();
        var again = JsonSerializer.Serialize(againDocument);
        var againPdf = (await chromium.PerPage.Render(againDocument, CancellationToken.None)).Content;

        FirstDifference(WithoutCreationDate(billedPdf), WithoutCreationDate(againPdf))
            .ShouldBeNull("the PDF rendered again is the same document, but for its creation date");
        again.ShouldBe(billed);
        using var document = JsonDocument.Parse(billed);
        document.RootElement.GetProperty("Apr").GetDecimal().ShouldBe(0.24m);
        document.RootElement.GetProperty("Lines").GetArrayLength().ShouldBeGreaterThan(0);
    }

    /// <summary>
    /// The PDF's bytes with the one thing a rendering adds, Chromium's creation and modification date (docs/delivery.md), blanked.
    /// </summary>
    static string WithoutCreationDate(byte[] pdf) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.Latin1.GetString(pdf), @"/(CreationDate|ModDate) \(D:[^)]*\)", "/$1 (D:)");

    static string? FirstDifference(string billed, string again)
    {
        var at = Enumerable.Range(0, Math.Min(billed.Length, again.Length)).FirstOrDefault(i => billed[i] != again[i], -1);
        if (at < 0 && billed.Length == again.Length)
            return null;
        at = at < 0 ? Math.Min(billed.Length, again.Length) : at;
        string Around(string pdf) => pdf.Substring(Math.Max(0, at - 40), Math.Min(120, pdf.Length - Math.Max(0, at - 40)));
        return $"byte {at} of {billed.Length} / {again.Length}: billed …{Around(billed)}… again …{Around(again)}…";
    }
}

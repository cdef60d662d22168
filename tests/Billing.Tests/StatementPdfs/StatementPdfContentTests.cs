using Billing.Features.StatementPdfs;

namespace Billing.Tests.StatementPdfs;

public sealed class StatementPdfContentTests : IAsyncLifetime
{
    readonly Chromium _chromium = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _chromium.DisposeAsync();

    [Fact]
    public async Task A_Swedish_statement_shows_its_figures_in_Swedish_and_every_transaction()
    {
        var document = StatementSamples.Swedish(lines: 8);

        var pdf = await _chromium.PerPage.Render(document, CancellationToken.None);
        var text = await PdfText.Of(pdf.Content);

        foreach (var figure in new[]
                 {
                     "1 234,56 kr", "4 321,10 kr", "1 000,00 kr", "250,25 kr", "38,40 kr", "45,00 kr", "4 388,81 kr",
                     "438,88 kr", "25 000,00 kr", "19,95 %", "25 december 2026", "2026-10-31", "2026-11-29",
                     "Åsa Öberg", "ACC-SE-1", "4455 6677 8899", "Bankgiro 5050-1055", "Billing Bank AB", "Page 1 of 1",
                 })
            text.ShouldContain(figure);
        // Line 7 is a repayment: negative, with the culture's minus sign (read back as '-').
        text.ShouldContain("-107,00 kr");
        foreach (var line in document.Lines)
            text.ShouldContain(line.Description);
        text.ShouldContain("11,25 kr");
        pdf.Pages.ShouldBe(1);
    }

    [Fact]
    public async Task A_British_statement_shows_pounds_and_British_dates()
    {
        var document = StatementSamples.British(lines: 8);

        var text = await PdfText.Of((await _chromium.PerPage.Render(document, CancellationToken.None)).Content);

        foreach (var figure in new[] { "£1,234.56", "£4,388.81", "£438.88", "£25,000.00", "19.95%", "25 December 2026", "31/10/2026", "-£107.00", "£11.25" })
            text.ShouldContain(figure);
    }

    [Fact]
    public async Task A_long_statement_runs_over_several_pages_each_with_the_table_header_and_its_page_number()
    {
        var document = StatementSamples.Swedish(lines: 60);
        var expectedPages = 1 + (int)Math.Ceiling((60 - StatementPages.FirstPageRows) / (double)StatementPages.PageRows);

        var pdf = await _chromium.PerPage.Render(document, CancellationToken.None);

        expectedPages.ShouldBeGreaterThanOrEqualTo(3);
        pdf.Pages.ShouldBe(expectedPages);
        PdfPageRanges.PageCount(pdf.Content).ShouldBe(expectedPages);
        var seen = new List<string>();
        for (var page = 1; page <= expectedPages; page++)
        {
            var text = await PdfText.Of(pdf.Content, page);
            text.ShouldContain("DESCRIPTION"); // the header, upper-cased by the stylesheet
            text.ShouldContain($"Page {page} of {expectedPages}");
            text.ShouldContain("ACC-SE-1");
            seen.AddRange(document.Lines.Select(l => l.Description).Where(text.Contains));
        }

        // Every line is printed, none is cut off by a page's fixed height, and none twice.
        seen.ShouldBe(document.Lines.Select(l => l.Description), ignoreOrder: true);
    }

    [Fact]
    public async Task Untagged_pdfs_are_the_default_and_smaller_than_tagged_ones()
    {
        new StatementPdfOptions().Tagged.ShouldBeFalse();
        var document = StatementSamples.Swedish(lines: 40);
        var untagged = await _chromium.PerPage.Render(document, CancellationToken.None);

        await using var tagging = new Chromium(o => o.Tagged = true);
        var tagged = await tagging.PerPage.Render(document, CancellationToken.None);

        untagged.Content.Length.ShouldBeLessThan(tagged.Content.Length);
    }
}

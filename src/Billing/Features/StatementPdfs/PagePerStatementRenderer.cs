namespace Billing.Features.StatementPdfs;

/// <summary>Mode <c>page</c>: each statement is its own print on a pooled page.</summary>
sealed class PagePerStatementRenderer(ChromiumPool pool, StatementHtml html) : IStatementRenderer
{
    public async Task<RenderedPdf> Render(StatementDocument document, CancellationToken cancellationToken)
    {
        var pages = StatementPages.Count(document.Lines.Count);
        var pdf = await pool.Print(html.Body([document]), cancellationToken);
        // Our pagination must match Chromium's: a mismatch means a page overflowed and would be cut wrongly in a batch.
        PdfPageRanges.CheckPageCount(pdf, pages);
        return new RenderedPdf(pdf, pages);
    }
}

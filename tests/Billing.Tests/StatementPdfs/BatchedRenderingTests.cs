using Billing.Features.StatementPdfs;

namespace Billing.Tests.StatementPdfs;

public sealed class BatchedRenderingTests : IAsyncLifetime
{
    readonly Chromium _chromium = new(o => { o.BatchSize = 8; o.BatchWait = TimeSpan.FromMilliseconds(200); });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _chromium.DisposeAsync();

    [Fact]
    public async Task Each_statement_of_a_batch_gets_exactly_its_own_pages_and_text()
    {
        // Varied lengths, so page ranges are uneven: a split off by one page would hand a neighbour's page over.
        var documents = Enumerable.Range(1, 8)
            .Select(i => StatementSamples.Swedish($"ACC-B{i}", lines: new[] { 3, 40, 14, 15, 60, 1, 51, 0 }[i - 1]))
            .ToArray();

        var pdfs = await Task.WhenAll(documents.Select(d => _chromium.Batched.Render(d, CancellationToken.None)));

        // They were printed together (fewer prints than statements), or this proves nothing about splitting.
        _chromium.Pool.Prints.ShouldBeLessThan(documents.Length);
        for (var i = 0; i < documents.Length; i++)
        {
            var expectedPages = StatementPages.Count(documents[i].Lines.Count);
            pdfs[i].Pages.ShouldBe(expectedPages);
            PdfPageRanges.PageCount(pdfs[i].Content).ShouldBe(expectedPages);
            var text = await PdfText.Of(pdfs[i].Content);
            text.ShouldContain($"Account ACC-B{i + 1} ");
            text.ShouldContain($"Page {expectedPages} of {expectedPages}");
            foreach (var line in documents[i].Lines)
                text.ShouldContain(line.Description);
            foreach (var other in documents.Where(d => d != documents[i]))
                text.ShouldNotContain($"{other.AccountId} ");
        }
    }
}

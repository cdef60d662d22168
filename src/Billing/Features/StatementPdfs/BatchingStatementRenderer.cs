using Billing.Features.Observability;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementPdfs;

/// <summary>
/// Mode <c>batched</c>: concurrent <see cref="Render"/> calls are gathered into one Chromium print of up to
/// <see cref="StatementPdfOptions.BatchSize"/> statements (waiting at most <see cref="StatementPdfOptions.BatchWait"/>
/// to fill one), and the PDF is cut back per statement by the page counts our own pagination knows in advance.
/// A print's fixed cost (the CDP round trips, Chromium's PDF setup) is then shared by the batch.
/// </summary>
sealed class BatchingStatementRenderer : IStatementRenderer, IAsyncDisposable
{
    readonly ChromiumPool _pool;
    readonly StatementHtml _html;
    readonly StatementPdfOptions _options;
    readonly ILogger<BatchingStatementRenderer> _logger;
    readonly Channel<Pending> _waiting;
    readonly SemaphoreSlim _printing;
    readonly CancellationTokenSource _stop = new();
    readonly Task _collecting;

    public BatchingStatementRenderer(ChromiumPool pool, StatementHtml html, IOptions<StatementPdfOptions> options, ILogger<BatchingStatementRenderer> logger)
    {
        _pool = pool;
        _html = html;
        _options = options.Value;
        _logger = logger;
        var batchSize = Math.Max(1, _options.BatchSize);
        var pages = Math.Max(1, _options.Pages);
        // Enough waiting to fill the next batch of every page; beyond that callers wait in Render (back-pressure).
        _waiting = Channel.CreateBounded<Pending>(new BoundedChannelOptions(batchSize * pages) { SingleReader = true });
        _printing = new SemaphoreSlim(pages, pages);
        _collecting = Task.Run(() => Collect(batchSize, _stop.Token));
    }

    public async Task<RenderedPdf> Render(StatementDocument document, CancellationToken cancellationToken)
    {
        var pending = new Pending(document, cancellationToken);
        await _waiting.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    async Task Collect(int batchSize, CancellationToken stop)
    {
        var reader = _waiting.Reader;
        try
        {
            while (true)
            {
                // A batch is only gathered once a page can print it, so statements wait in the bounded channel, where
                // the next batch fills while the pages are busy.
                await _printing.WaitAsync(stop);
                var batch = new List<Pending> { await reader.ReadAsync(stop) };
                using (var fill = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    fill.CancelAfter(_options.BatchWait);
                    try
                    {
                        while (batch.Count < batchSize)
                        {
                            if (reader.TryRead(out var next))
                                batch.Add(next);
                            else if (!await reader.WaitToReadAsync(fill.Token))
                                break;
                        }
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        // the batch waited long enough
                    }
                }

                _ = PrintBatch(batch);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    async Task PrintBatch(List<Pending> batch)
    {
        try
        {
            batch.RemoveAll(p => p.CancellationToken.IsCancellationRequested && p.Result.TrySetCanceled(p.CancellationToken));
            if (batch.Count == 0)
                return;
            var pageCounts = batch.Select(p => StatementPages.Count(p.Document.Lines.Count)).ToArray();
            var pdf = await _pool.Print(_html.Body(batch.Select(p => p.Document)), _stop.Token);
            BillingMetrics.PdfBatchPrinted(batch.Count);
            var parts = PdfPageRanges.Split(pdf, pageCounts);
            for (var i = 0; i < batch.Count; i++)
                batch[i].Result.TrySetResult(new RenderedPdf(parts[i], pageCounts[i]));
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "A batch of {Statements} statement PDFs failed", batch.Count);
            foreach (var pending in batch)
                pending.Result.TrySetException(e);
        }
        finally
        {
            _printing.Release();
        }
    }

    int _disposed;

    public async ValueTask DisposeAsync()
    {
        // The container disposes it twice: as itself and as the IStatementRenderer it was handed out as.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _waiting.Writer.TryComplete();
        await _stop.CancelAsync();
        await _collecting;
        while (_waiting.Reader.TryRead(out var left))
            left.Result.TrySetCanceled();
        _stop.Dispose();
    }

    sealed record Pending(StatementDocument Document, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<RenderedPdf> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

using System.Diagnostics;
using Billing.Features.StatementPdfs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PuppeteerSharp;

namespace Billing.Benchmarks;

/// <summary>
/// Statements per second through Chromium, four ways, on the same synthetic statements (5–60 lines, so some run to
/// several pages) and with the same concurrency (a print per core): (a) a browser launched per statement, (b) one
/// browser and a new page per statement, (c) the pool's reused pages, (d) batches of statements per print split back
/// with PDFsharp; plus (c1) reused pages that set the whole document each time (what the pool's shell saves) and
/// (d0) the same batches printed but not split (what the split costs).
/// </summary>
static class StatementBenchmark
{
    public static async Task Run(int count)
    {
        var html = new StatementHtml(Options.Create(new StatementIssuerOptions()));
        Console.WriteLine($"Statements, {Environment.ProcessorCount} prints at once on {Environment.ProcessorCount} cores; a: 20, b: 50, c/d: {count:N0}");
        var shell = new StatementPdfOptions();
        await Sizes(shell, html);
        Console.WriteLine($"-- the headless shell ({shell.ChromiumPath}), the default");
        await RunWith(shell, html, count);
        // The batch-size curve, where the default's knee was chosen.
        foreach (var size in new[] { 10, 40, 80 })
            await Batched(new StatementPdfOptions { BatchSize = size }, html, count);

        // The baseline from the same run: the full browser's new headless mode.
        var full = new StatementPdfOptions { ChromiumPath = "/usr/bin/chromium", Headless = ChromiumHeadless.New };
        Console.WriteLine($"-- new headless, the full browser ({full.ChromiumPath})");
        await RunWith(full, html, count);
    }

    static async Task RunWith(StatementPdfOptions options, StatementHtml html, int count)
    {
        var concurrency = Environment.ProcessorCount;

        await Measure("(a) new browser per statement", Documents(20), concurrency, async d =>
        {
            await using var browser = await Puppeteer.LaunchAsync(ChromiumPool.LaunchOptionsFor(options));
            await PrintOnNewPage(browser, html.Document(d), options);
        });

        await using (var browser = await Puppeteer.LaunchAsync(ChromiumPool.LaunchOptionsFor(options)))
            await Measure("(b) one browser, new page each", Documents(50), concurrency, d => PrintOnNewPage(browser, html.Document(d), options));

        await using (var browser = await Puppeteer.LaunchAsync(ChromiumPool.LaunchOptionsFor(options)))
        {
            // The pool's idea without its shell: pages reused, but the whole document set each time.
            var pages = new System.Collections.Concurrent.ConcurrentBag<IPage>();
            for (var i = 0; i < concurrency; i++)
                pages.Add(await browser.NewPageAsync());
            await Measure("(c1) reused pages, SetContent each", Documents(Math.Min(count, 200)), concurrency, async d =>
            {
                pages.TryTake(out var page);
                try
                {
                    await page!.SetContentAsync(html.Document(d), new SetContentOptions { WaitUntil = [WaitUntilNavigation.Load] });
                    await page.PdfDataAsync(ChromiumPool.PdfOptionsFor(options));
                }
                finally
                {
                    pages.Add(page!);
                }
            });
        }

        await using (var pool = new ChromiumPool(Options.Create(options), html, NullLoggerFactory.Instance))
        {
            var renderer = new PagePerStatementRenderer(pool, html);
            await Measure("(c) pool, reused pages", Documents(count), count, d => renderer.Render(d, CancellationToken.None));
        }

        await Batched(options, html, count);

        await using (var pool = new ChromiumPool(Options.Create(options), html, NullLoggerFactory.Instance))
        {
            var batches = Documents(count).Chunk(options.BatchSize).ToArray();
            await Measure($"(d0) {options.BatchSize} per print, unsplit", batches, concurrency,
                b => pool.Print(html.Body(b), CancellationToken.None), perItem: options.BatchSize);
        }
    }

    static Task Batched(StatementPdfOptions options, StatementHtml html, int count) => Batched(options, html, Documents(count));

    /// <summary>Statements per second of <paramref name="documents"/> through the batching renderer alone, all asked at once.</summary>
    public static async Task<double> Batched(StatementPdfOptions options, StatementHtml html, IReadOnlyList<StatementDocument> documents)
    {
        await using var pool = new ChromiumPool(Options.Create(options), html, NullLoggerFactory.Instance);
        await using var renderer = new BatchingStatementRenderer(pool, html, Options.Create(options), NullLogger<BatchingStatementRenderer>.Instance);
        return await Measure($"(d) batched ({options.BatchSize}) + split", documents, documents.Count, d => renderer.Render(d, CancellationToken.None));
    }

    /// <summary>
    /// What a one-page statement weighs printed alone and split from a batch: a split part keeps the fonts of the whole
    /// print (Chromium subsets each font once per print; PDFsharp's import carries that subset to every part).
    /// </summary>
    public static async Task Sizes(StatementPdfOptions options, StatementHtml html)
    {
        var documents = Documents(options.BatchSize).Where(d => StatementPages.Count(d.Lines.Count) == 1).ToArray();
        await using var pool = new ChromiumPool(Options.Create(options), html, NullLoggerFactory.Instance);
        var alone = new PagePerStatementRenderer(pool, html);
        await using var batched = new BatchingStatementRenderer(pool, html, Options.Create(options), NullLogger<BatchingStatementRenderer>.Instance);
        var single = await Task.WhenAll(documents.Select(d => alone.Render(d, CancellationToken.None)));
        var split = await Task.WhenAll(Documents(options.BatchSize).Select(d => batched.Render(d, CancellationToken.None)));
        var splitOnePagers = split.Where(p => p.Pages == 1).ToArray();
        Console.WriteLine($"A one-page statement: {single.Average(p => p.Content.Length) / 1024:N1} KB printed alone, " +
                          $"{splitOnePagers.Average(p => p.Content.Length) / 1024:N1} KB split from a print of {options.BatchSize} " +
                          $"(averages of {single.Length} and {splitOnePagers.Length})");
    }

    static async Task PrintOnNewPage(IBrowser browser, string document, StatementPdfOptions options)
    {
        await using var page = await browser.NewPageAsync();
        await page.SetContentAsync(document, new SetContentOptions { WaitUntil = [WaitUntilNavigation.Load] });
        await page.PdfDataAsync(ChromiumPool.PdfOptionsFor(options));
    }

    /// <returns>Statements per second.</returns>
    static async Task<double> Measure<T>(string name, IReadOnlyList<T> items, int concurrency, Func<T, Task> render, int perItem = 1)
    {
        using var gate = new SemaphoreSlim(concurrency);
        // A warm-up outside the clock, a fifth of the items (2 to 100) the same way: the first browser launch where the
        // mode keeps one, and the JIT's second tier. With 2 items the first of three runs in a row was 20–30 % slower.
        await RenderAll(items.Take(Math.Clamp(items.Count / 5, 2, 100)));
        await using var memory = ChromiumMemory.Start();
        var clock = Stopwatch.StartNew();
        await RenderAll(items);
        clock.Stop();
        var rate = items.Count * perItem / clock.Elapsed.TotalSeconds;

        Task RenderAll(IEnumerable<T> batch) => Task.WhenAll(batch.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                await render(item);
            }
            finally
            {
                gate.Release();
            }
        }));
        await memory.DisposeAsync();
        Console.WriteLine($"{name,-34} {rate,8:N1} statements/s   peak RSS: Chromium {memory.ChromiumMb,5:N0} MB (all its processes; PSS {memory.ChromiumPssMb,4:N0} MB), benchmark {memory.SelfMb,4:N0} MB");
        return rate;
    }

    /// <summary>Deterministic, realistic statements: four locales, 5–60 lines of purchases, repayments, interest and fees.</summary>
    public static StatementDocument[] Documents(int count)
    {
        var random = new Random(11);
        (string Locale, string Currency)[] cultures = [("sv-SE", "SEK"), ("en-GB", "GBP"), ("nb-NO", "NOK"), ("de-DE", "EUR")];
        string[] merchants = ["ICA Maxi Solna", "SJ Biljett", "Systembolaget", "Clas Ohlson", "Spotify AB", "Circle K", "IKEA Kungens Kurva", "Apoteket", "Stadium", "Foodora"];
        return Enumerable.Range(1, count).Select(i =>
        {
            var (locale, currency) = cultures[i % cultures.Length];
            var start = new DateOnly(2026, 10, 31);
            var lines = Enumerable.Range(0, random.Next(5, 61)).Select(n =>
            {
                var kind = n % 11 == 5 ? "repayment" : n % 17 == 9 ? "fee" : "purchase";
                var amount = Math.Round((decimal)(random.NextDouble() * 900 + 5), 2);
                return new StatementLine(start.AddDays(random.Next(0, 30)), kind,
                    kind == "purchase" ? $"{merchants[random.Next(merchants.Length)]} #{random.Next(1000, 9999)}" : kind == "fee" ? "Late payment fee" : "Payment, thank you",
                    kind == "repayment" ? -amount : amount);
            }).OrderBy(l => l.Date).ToArray();
            var purchases = lines.Where(l => l.Kind == "purchase").Sum(l => l.Amount);
            var repayments = -lines.Where(l => l.Kind == "repayment").Sum(l => l.Amount);
            var fees = lines.Where(l => l.Kind == "fee").Sum(l => l.Amount);
            var opening = Math.Round((decimal)(random.NextDouble() * 20_000), 2);
            var interest = Math.Round(opening * 0.1995m / 12, 2);
            var closing = opening + purchases - repayments + interest + fees;
            return new StatementDocument(Guid.NewGuid(), $"ACC-{i:000000}", $"Holder {i}", locale, currency, start, new DateOnly(2026, 11, 30),
                new DateOnly(2026, 12, 25), opening, purchases, repayments, 0m, interest, fees, 0m, closing,
                Math.Round(closing * 0.03m, 2), 0m, 50_000m, 0.1995m, $"{i:0000} {i * 7 % 10000:0000} 12", lines);
        }).ToArray();
    }

    /// <summary>
    /// Peak resident memory of every process below this one (the Chromium trees) and of this process, every 100 ms; their
    /// PSS every 500 ms. The kernel walks every page table of a process to answer smaps_rollup, and Chromium's are big:
    /// read every 100 ms, PSS alone took 7 % of the two cores the prints were measured on (perf, 2026-12-07).
    /// </summary>
    sealed class ChromiumMemory : IAsyncDisposable
    {
        readonly CancellationTokenSource _stop = new();
        readonly Task _sampling;
        long _chromium, _chromiumPss, _self;

        ChromiumMemory() => _sampling = Task.Run(Sample);

        public static ChromiumMemory Start() => new();
        public double ChromiumMb => _chromium / 1048576.0;

        /// <summary>RSS counts the libraries and shared memory every Chromium process maps once per process; PSS splits them.</summary>
        public double ChromiumPssMb => _chromiumPss / 1048576.0;
        public double SelfMb => _self / 1048576.0;

        async Task Sample()
        {
            for (var sample = 0; !_stop.IsCancellationRequested; sample++)
            {
                // Chromium's processes are all below this one: the browsers were launched from here.
                var tree = ChromiumProcessTree.ProcessIds(Environment.ProcessId);
                _self = Math.Max(_self, ChromiumProcessTree.Resident(tree[0]));
                _chromium = Math.Max(_chromium, tree.Skip(1).Sum(ChromiumProcessTree.Resident));
                if (sample % 5 == 0)
                    _chromiumPss = Math.Max(_chromiumPss, tree.Skip(1).Sum(ChromiumProcessTree.Proportional));
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _sampling;
        }
    }
}

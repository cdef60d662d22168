using System.Diagnostics;
using Billing.Features.StatementPdfs;

namespace Billing.Tests.StatementPdfs;

public sealed class ChromiumPoolTests : IAsyncLifetime
{
    Chromium _chromium = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
            await _chromium.DisposeAsync();
    }

    [Fact]
    public async Task Killing_the_browser_mid_render_loses_no_render()
    {
        _chromium = new Chromium(o => o.Pages = 2);
        var documents = Enumerable.Range(1, 16).Select(i => StatementSamples.Swedish($"ACC-K{i}", lines: 60)).ToArray();

        var renders = documents.Select(d => _chromium.PerPage.Render(d, CancellationToken.None)).ToArray();
        await Until(() => _chromium.Pool.PrintsInFlight > 0);
        var killed = _chromium.Pool.BrowserProcessIds.Single();
        var finishedBeforeKill = renders.Count(r => r.IsCompleted);
        Process.GetProcessById(killed).Kill();

        var pdfs = await Task.WhenAll(renders).WaitAsync(TimeSpan.FromSeconds(90));

        // The kill landed while renders were still to come, and every one of them finished on a new browser.
        finishedBeforeKill.ShouldBeLessThan(documents.Length);
        _chromium.Pool.Launches.ShouldBe(2);
        _chromium.Pool.BrowserProcessIds.Single().ShouldNotBe(killed);
        for (var i = 0; i < documents.Length; i++)
            (await PdfText.Of(pdfs[i].Content)).ShouldContain($"Account ACC-K{i + 1} ");
    }

    [Fact]
    public async Task A_render_that_outlives_the_timeout_throws_TimeoutException_and_the_pool_keeps_rendering()
    {
        _chromium = new Chromium(o => { o.Pages = 1; o.RenderTimeout = TimeSpan.FromSeconds(10); });
        // A broken image whose error handler keeps the page's renderer busy for 5 minutes: the print cannot start.
        const string stuck = """<img src="x:" onerror="const t = Date.now(); while (Date.now() - t < 300000) {}">""";

        var timedOut = Stopwatch.StartNew();
        await Should.ThrowAsync<TimeoutException>(() => _chromium.Pool.Print(stuck, CancellationToken.None));
        timedOut.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60));

        // The only page was the stuck one: the next render gets a fresh page, long before the script would have ended
        // (breaks when a timed-out page is handed out again: the next print then times out too).
        var next = Stopwatch.StartNew();
        var pdf = await _chromium.PerPage.Render(StatementSamples.Swedish(), CancellationToken.None);
        (await PdfText.Of(pdf.Content)).ShouldContain("ACC-SE-1");
        next.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_browser_is_replaced_after_its_render_budget_and_the_old_one_ends()
    {
        _chromium = new Chromium(o => { o.Pages = 1; o.RecycleAfterRenders = 3; });
        var pids = new HashSet<int>();

        for (var i = 0; i < 7; i++)
        {
            await _chromium.PerPage.Render(StatementSamples.Swedish(), CancellationToken.None);
            pids.UnionWith(_chromium.Pool.BrowserProcessIds);
        }

        _chromium.Pool.Launches.ShouldBe(3);
        var current = _chromium.Pool.BrowserProcessIds;
        await Until(() => pids.Except(current).All(Exited));
    }

    [Fact]
    public async Task The_memory_bound_counts_a_page_shared_by_the_browsers_processes_once()
    {
        // Summed resident sizes count Chromium's binary once per process: 1,160 MB for a tree whose PSS was 180 MB, and
        // a 100,000-account run replaced a healthy browser every 25 s (broken by measuring ResidentBytes again).
        _chromium = new Chromium(o => o.Pages = 2);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _chromium.PerPage.Render(StatementSamples.Swedish(), CancellationToken.None)));
        var browser = _chromium.Pool.BrowserProcessIds.Single();

        var proportional = ChromiumProcessTree.ProportionalBytes(browser);
        proportional.ShouldBeGreaterThan(0);
        proportional.ShouldBeLessThan(ChromiumProcessTree.ResidentBytes(browser) * 3 / 4, "shared pages are split, not summed");
    }

    [Fact]
    public async Task A_browser_whose_processes_pass_the_memory_bound_is_replaced()
    {
        // Any Chromium holds more than 1 MB, so the first memory check (every 20 prints) must replace it.
        _chromium = new Chromium(o => { o.Pages = 2; o.RecycleAboveMegabytes = 1; });
        var first = -1;

        for (var i = 0; i < 24; i++)
        {
            await _chromium.PerPage.Render(StatementSamples.Swedish(), CancellationToken.None);
            if (i == 0)
                first = _chromium.Pool.BrowserProcessIds.Single();
        }

        (ChromiumProcessTree.ProportionalBytes(first) > 0 || Exited(first)).ShouldBeTrue();
        _chromium.Pool.Launches.ShouldBe(2);
        await Until(() => Exited(first));
    }

    static bool Exited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("The condition did not hold within 30 s.");
            await Task.Delay(10);
        }
    }
}

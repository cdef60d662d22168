using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PuppeteerSharp;
using PuppeteerSharp.Media;

namespace Billing.Features.StatementPdfs;

/// <summary>
/// Long-lived headless Chromium with a fixed set of pages (tabs) that are reused across prints. A page keeps the
/// statement shell (styles) loaded and only its body is replaced per print, which is what makes a print cheap.
/// Callers wait for a free page (back-pressure: nothing queues in memory beyond the waiting callers). A browser is
/// recycled after <see cref="StatementPdfOptions.RecycleAfterRenders"/> prints or above
/// <see cref="StatementPdfOptions.RecycleAboveMegabytes"/>, relaunched when it dies, and a print that lost its browser
/// is tried again on the new one. Chromium starts on the first print, not before.
/// </summary>
sealed class ChromiumPool : IAsyncDisposable
{
    const int MemoryCheckEvery = 20;

    readonly StatementPdfOptions _options;
    readonly ILogger<ChromiumPool> _logger;
    readonly ILoggerFactory _loggerFactory;
    readonly string _shell;
    readonly PdfOptions _pdf;
    readonly Channel<PageSlot> _idle;
    readonly ChromiumBrowser?[] _browsers;
    readonly SemaphoreSlim _launch = new(1, 1);
    readonly CancellationTokenSource _disposed = new();
    int _launches;
    int _prints;
    int _inFlight;

    public ChromiumPool(IOptions<StatementPdfOptions> options, StatementHtml html, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ChromiumPool>();
        _shell = html.Shell;
        _pdf = PdfOptionsFor(_options);
        var pages = Math.Max(1, _options.Pages);
        _browsers = new ChromiumBrowser?[Math.Clamp(_options.Browsers, 1, pages)];
        _idle = Channel.CreateBounded<PageSlot>(pages);
        for (var i = 0; i < pages; i++)
            _idle.Writer.TryWrite(new PageSlot(i % _browsers.Length));
    }

    /// <summary>The main process of each running browser (tests kill it to prove a print survives a crash).</summary>
    public IReadOnlyList<int> BrowserProcessIds => _browsers.Where(b => b is { IsAlive: true }).Select(b => b!.ProcessId).ToArray();

    /// <summary>How many browsers were launched so far, recycles and restarts included.</summary>
    public int Launches => Volatile.Read(ref _launches);

    /// <summary>Prints finished so far (a batch is one print).</summary>
    public int Prints => Volatile.Read(ref _prints);

    /// <summary>Prints under way right now, on any browser.</summary>
    public int PrintsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Prints the given sections (the shell's body) to one PDF.</summary>
    public async Task<byte[]> Print(string body, CancellationToken cancellationToken)
    {
        var slot = await _idle.Reader.ReadAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                ChromiumBrowser browser;
                try
                {
                    browser = await Browser(slot.BrowserIndex, cancellationToken);
                }
                catch (ProcessException e) when (attempt < _options.RenderAttempts)
                {
                    // A launch can time out on a starved machine; the next attempt launches again.
                    _logger.LogWarning(e, "Chromium did not start (attempt {Attempt}); trying again", attempt);
                    continue;
                }

                browser.Enter();
                using var untilDied = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, browser.Died);
                try
                {
                    var page = await PageOn(slot, browser, untilDied.Token);
                    Interlocked.Increment(ref _inFlight);
                    try
                    {
                        var pdf = await PrintOn(page, body).WaitAsync(_options.RenderTimeout, untilDied.Token);
                        Interlocked.Increment(ref _prints);
                        return pdf;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                }
                catch (TimeoutException) when (browser.IsAlive || attempt >= _options.RenderAttempts)
                {
                    // The page may still be busy printing (or stuck in a script); it is not handed out again.
                    Discard(slot);
                    throw new TimeoutException($"A statement print took longer than {_options.RenderTimeout}.");
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Discard(slot);
                    throw;
                }
                catch (OperationCanceledException) when (browser.Died.IsCancellationRequested && attempt >= _options.RenderAttempts)
                {
                    // The browser's death cancelled the wait, not the caller: a crash, said as one.
                    Discard(slot);
                    Retire(browser, "it died");
                    throw new InvalidOperationException($"Chromium died under this print on each of its {attempt} attempts.");
                }
                catch (Exception e) when (attempt < _options.RenderAttempts && !_disposed.IsCancellationRequested)
                {
                    // A crashed browser or page: the print is not lost, it goes again on a fresh page (and browser).
                    Discard(slot);
                    if (!browser.IsAlive)
                        Retire(browser, "it died");
                    _logger.LogWarning(e, "Statement print failed on browser {BrowserPid} (attempt {Attempt}); trying again", browser.ProcessId, attempt);
                }
                finally
                {
                    AfterPrint(browser, browser.Leave());
                }
            }
        }
        finally
        {
            _idle.Writer.TryWrite(slot);
        }
    }

    // An image (a logo) decodes after the body is set, and a print at once could leave it blank; a broken one counts
    // as settled. In the same call as the body, so a statement without images costs no extra round trip.
    const string SetBodyAndSettleImages = """
        html => {
            document.body.innerHTML = html;
            return Promise.all(Array.from(document.images, image => image.decode().catch(() => null))).then(() => null);
        }
        """;

    async Task<byte[]> PrintOn(IPage page, string body)
    {
        await page.EvaluateFunctionAsync(SetBodyAndSettleImages, body);
        return await page.PdfDataAsync(_pdf);
    }

    async Task<IPage> PageOn(PageSlot slot, ChromiumBrowser browser, CancellationToken cancellationToken)
    {
        if (slot.Page is { IsClosed: false } page && slot.Browser == browser)
            return page;
        Discard(slot);
        page = await browser.Browser.NewPageAsync().WaitAsync(_options.RenderTimeout, cancellationToken);
        // Load, not network idle: the shell fetches nothing, and network idle costs half a second of waiting.
        await page.SetContentAsync(_shell, new SetContentOptions { WaitUntil = [WaitUntilNavigation.Load] })
            .WaitAsync(_options.RenderTimeout, cancellationToken);
        slot.Page = page;
        slot.Browser = browser;
        return page;
    }

    async Task<ChromiumBrowser> Browser(int index, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _browsers[index]) is { IsAlive: true, Retired: false } current)
            return current;
        await _launch.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_browsers[index] is { } existing)
            {
                if (existing is { IsAlive: true, Retired: false })
                    return existing;
                Retire(existing, "it died");
            }

            var launched = new ChromiumBrowser(await Puppeteer.LaunchAsync(LaunchOptionsFor(_options), _loggerFactory));
            Interlocked.Increment(ref _launches);
            _logger.LogInformation("Chromium {BrowserPid} started for statement PDFs", launched.ProcessId);
            Volatile.Write(ref _browsers[index], launched);
            return launched;
        }
        finally
        {
            _launch.Release();
        }
    }

    void AfterPrint(ChromiumBrowser browser, int prints)
    {
        if (!browser.Retired)
        {
            if (prints >= _options.RecycleAfterRenders)
                Retire(browser, $"it printed {prints} times");
            else if (prints % MemoryCheckEvery == 0
                     && ChromiumProcessTree.ProportionalBytes(browser.ProcessId) / (1024 * 1024) is var megabytes
                     && megabytes > _options.RecycleAboveMegabytes)
                Retire(browser, $"its processes hold {megabytes} MB");
        }

        if (browser.Retired && browser.Idle)
            _ = Close(browser);
    }

    /// <summary>No new prints go to this browser; it closes once the ones on it have returned.</summary>
    void Retire(ChromiumBrowser browser, string why)
    {
        if (browser.Retired)
            return;
        browser.Retired = true;
        for (var i = 0; i < _browsers.Length; i++)
            Interlocked.CompareExchange(ref _browsers[i], null, browser);
        _logger.LogInformation("Chromium {BrowserPid} is replaced: {Reason}", browser.ProcessId, why);
        if (browser.Idle || !browser.IsAlive)
            _ = Close(browser);
    }

    async Task Close(ChromiumBrowser browser)
    {
        if (!browser.BeginClose())
            return;
        try
        {
            // Dispose closes a live browser and kills a hung one, and removes its temporary profile either way.
            await browser.Browser.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Chromium {BrowserPid} did not close cleanly", browser.ProcessId);
            KillTree(browser.ProcessId);
        }
    }

    void Discard(PageSlot slot)
    {
        if (slot.Page is not { } page)
            return;
        slot.Page = null;
        slot.Browser = null;
        _ = ClosePage(page);
    }

    static async Task ClosePage(IPage page)
    {
        try
        {
            await page.CloseAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Its browser is gone or is being replaced; the page goes with it.
        }
    }

    static void KillTree(int pid)
    {
        foreach (var id in ChromiumProcessTree.ProcessIds(pid).Reverse())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(id);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // already gone
            }
        }
    }

    /// <summary>How every browser here is started (the benchmark's baselines use the same).</summary>
    public static LaunchOptions LaunchOptionsFor(StatementPdfOptions options) => new()
    {
        ExecutablePath = options.ChromiumPath,
        HeadlessMode = options.Headless == ChromiumHeadless.New ? HeadlessMode.True : HeadlessMode.Shell,
        // --no-sandbox: the service runs as root in its container, where Chromium's sandbox cannot start.
        // --disable-dev-shm-usage: containers give /dev/shm 64 MB, too little for many renderers.
        Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-breakpad"],
        // Chromium starts in about a second; a minute is for a machine starved by its neighbours.
        Timeout = (int)TimeSpan.FromSeconds(60).TotalMilliseconds,
        // DevTools over the process's pipes, not a WebSocket: when the worker dies without closing it (SIGKILL, the OOM
        // killer) the pipe's end closes with it and Chromium exits, where over a WebSocket it lived on as an orphan.
        Pipe = true,
    };

    public static PdfOptions PdfOptionsFor(StatementPdfOptions options) => new()
    {
        Format = PaperFormat.A4,
        PrintBackground = true,
        PreferCSSPageSize = true,
        Tagged = options.Tagged,
        Outline = false,
        // The shell uses installed fonts only, so there is nothing to wait for (and waiting costs a round trip).
        WaitForFonts = false,
    };

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await _launch.WaitAsync();
        try
        {
            foreach (var browser in _browsers.OfType<ChromiumBrowser>())
                await Close(browser);
            Array.Clear(_browsers);
        }
        finally
        {
            _launch.Release();
        }
    }

    sealed class PageSlot(int browserIndex)
    {
        public int BrowserIndex { get; } = browserIndex;
        public IPage? Page { get; set; }
        public ChromiumBrowser? Browser { get; set; }
    }
}

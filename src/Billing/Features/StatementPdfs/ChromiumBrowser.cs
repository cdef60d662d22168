using PuppeteerSharp;

namespace Billing.Features.StatementPdfs;

/// <summary>One launched Chromium and the bookkeeping that decides when it is replaced and when it may be closed.</summary>
sealed class ChromiumBrowser
{
    readonly CancellationTokenSource _gone = new();
    int _renders;
    int _inFlight;
    int _closing;

    public ChromiumBrowser(IBrowser browser)
    {
        Browser = browser;
        ProcessId = browser.Process?.Id ?? 0;
        // A call in flight on a browser that died can wait out the whole render timeout before it fails (a print
        // waited 30 s in CI after its browser was killed); its death cancels the wait instead.
        browser.Disconnected += (_, _) => Gone();
        try
        {
            if (browser.Process is { } process)
            {
                process.EnableRaisingEvents = true;
                process.Exited += (_, _) => Gone();
            }
        }
        catch (InvalidOperationException)
        {
            Gone();
        }

        if (!IsAlive)
            Gone();
    }

    public IBrowser Browser { get; }
    public int ProcessId { get; }

    /// <summary>Cancelled when the browser disconnects or its process exits.</summary>
    public CancellationToken Died => _gone.Token;

    /// <summary>Set once the pool stopped handing this browser out; it closes when its last print returns.</summary>
    public volatile bool Retired;

    public bool IsAlive => Browser.IsConnected && !Browser.IsClosed && !Exited();

    public int Renders => Volatile.Read(ref _renders);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    /// <returns>The prints this browser has finished so far.</returns>
    public int Leave()
    {
        Interlocked.Decrement(ref _inFlight);
        return Interlocked.Increment(ref _renders);
    }

    public bool Idle => Volatile.Read(ref _inFlight) == 0;

    /// <summary>True for exactly one caller: the one that closes it.</summary>
    public bool BeginClose() => Interlocked.Exchange(ref _closing, 1) == 0;

    void Gone()
    {
        try
        {
            _gone.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    bool Exited()
    {
        try
        {
            return Browser.Process?.HasExited ?? false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}

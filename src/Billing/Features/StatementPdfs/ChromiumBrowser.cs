using PuppeteerSharp;

namespace Billing.Features.StatementPdfs;

/// <summary>One launched Chromium and the bookkeeping that decides when it is replaced and when it may be closed.</summary>
sealed class ChromiumBrowser(IBrowser browser)
{
    int _renders;
    int _inFlight;
    int _closing;

    public IBrowser Browser { get; } = browser;
    public int ProcessId { get; } = browser.Process?.Id ?? 0;

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

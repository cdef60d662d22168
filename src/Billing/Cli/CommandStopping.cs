namespace Billing.Cli;

/// <summary>
/// Ctrl+C and SIGTERM for a command that starts a host: the host's console lifetime takes those signals (so the token
/// System.CommandLine hands the command never sees them) and stops the host. The token made here ends the command's own
/// waits then too, so the command says what it leaves behind and returns instead of watching on.
/// </summary>
public static class CommandStopping
{
    public static CancellationTokenSource Link(IHost host, CancellationToken commandToken)
    {
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(commandToken);
        // CancelAsync, not Cancel: the stopping callbacks run on the signal handler's thread, and a synchronous Cancel can run
        // the command's own ending (its message, the host's stop) inline there, inside the handler. Under load SIGINT once left
        // `Billing bill` running past 10 s (BillCommandTests); the ending now runs off that thread, and BillCommand bounds the stop.
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => _ = stopping.CancelAsync());
        return stopping;
    }
}

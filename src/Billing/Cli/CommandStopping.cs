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
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(stopping.Cancel);
        return stopping;
    }
}

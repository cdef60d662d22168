namespace Billing.Hosting;

/// <summary>
/// <c>RunAsync</c>, except that a start that fails first stops what it had already started. The hosted services start
/// one by one; when a later one fails (Postgres restarting under a worker's start), the bus that started before it kept
/// consuming while the host disposed the container under it, and each message in hand failed with
/// ObjectDisposedException into an _error queue. Stopped first, the bus hands those messages back to their queues.
/// </summary>
public static class HostRunning
{
    static readonly TimeSpan StopAfterFailedStart = TimeSpan.FromSeconds(30);

    public static async Task RunStoppingWhatStarted(this IHost host, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch
            {
                using var grace = new CancellationTokenSource(StopAfterFailedStart);
                try
                {
                    await host.StopAsync(grace.Token);
                }
                catch (Exception)
                {
                    // The failed start is what the operator needs to read; a stop that fails after it adds nothing.
                }

                throw;
            }

            await host.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync();
            else
                host.Dispose();
        }
    }
}

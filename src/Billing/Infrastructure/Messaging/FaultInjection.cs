using System.Diagnostics;
using Billing.Infrastructure.Messaging.Outbox;

namespace Billing.Infrastructure.Messaging;

/// <summary>
/// Crash testing: with Faults:KillAfterCommits = N, the process SIGKILLs itself right after the N-th consumer
/// transaction that produced messages has committed, before those messages reach RabbitMQ; its outbox delivery is off,
/// so nothing it committed was sent. Off unless set.
/// </summary>
public sealed class FaultInjection(int killAfterCommits, ILogger<FaultInjection> logger) : IOutboxCommitObserver
{
    int _commits;

    public static void AddIfConfigured(IServiceCollection services, IConfiguration configuration)
    {
        var killAfter = configuration.GetValue<int?>("Faults:KillAfterCommits");
        if (killAfter is > 0)
        {
            services.AddSingleton<IOutboxCommitObserver>(sp => new FaultInjection(killAfter.Value, sp.GetRequiredService<ILogger<FaultInjection>>()));
            // Everything this process commits stays unsent until it dies, so the survivors' single sends can be counted.
            services.PostConfigure<OutboxDeliveryOptions>(o => o.Enabled = false);
        }
    }

    public void ConsumeCommitted(Guid messageId, Guid consumerId, int producedCount)
    {
        if (producedCount == 0 || Interlocked.Increment(ref _commits) != killAfterCommits)
            return;

        logger.LogCritical("Fault injection: killing the process after committing {MessageId} with {Count} unsent messages", messageId, producedCount);

        // The console logger writes on a background thread that SIGKILL would cut short; the last words must be on the
        // wire before the process dies, so they also go to stderr synchronously.
        Console.Error.WriteLine($"Fault injection: killing the process after committing {messageId} with {producedCount} unsent messages");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
    }
}

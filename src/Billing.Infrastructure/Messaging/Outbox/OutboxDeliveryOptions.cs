namespace Billing.Infrastructure.Messaging.Outbox;

/// <summary>Configuration section "Outbox": how each process's delivery service sends committed outbox rows.</summary>
public sealed class OutboxDeliveryOptions
{
    /// <summary>Rows claimed, sent concurrently and removed per transaction.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How often the service looks for rows when nothing woke it: a commit in the same process wakes it at once, one in
    /// another process through LISTEN/NOTIFY, so this only bounds the delay when a notification is lost.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest one send (to its publisher confirm) may take before it counts as failed.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed sends after which a row is set aside (messaging.outbox_message_set_aside) instead of tried again.</summary>
    public int MaxSendAttempts { get; set; } = 10;

    /// <summary>
    /// False: this process commits outbox rows but leaves sending them to the other processes' delivery services. Only
    /// crash tests want that (Faults:KillAfterCommits), so that everything the doomed process committed is still unsent.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the LISTEN for other processes' commits connects, when not through the service's data source: a LISTEN
    /// needs a session of its own, which a pooler in transaction mode (PgBouncer's pool_mode=transaction) does not give,
    /// so behind one point this at Postgres directly (or at a session-mode pool). Null: the data source. The host sets it
    /// from <c>ConnectionStrings:BillingListen</c>.
    /// </summary>
    public string? ListenConnectionString { get; set; }

    /// <summary>Whether a commit that stored messages also wakes the delivery services of other processes (NOTIFY).</summary>
    public bool NotifyOtherProcesses { get; set; } = true;
}

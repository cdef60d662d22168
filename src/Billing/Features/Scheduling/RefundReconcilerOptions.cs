namespace Billing.Features.Scheduling;

/// <summary>When the refund jobs fire (section <c>Refunds:Reconciler</c>, <c>Refunds:Janitor</c>, <c>Refunds:Digest</c>).</summary>
public sealed class RefundReconcilerOptions
{
    public const string Section = "Refunds:Reconciler";

    /// <summary>A cron expression as Hangfire reads it (five fields, or six with seconds first): 03:00 every day by default.</summary>
    public string Cron { get; set; } = "0 3 * * *";

    /// <summary>The time zone <see cref="Cron"/> is read in, IANA or Windows id.</summary>
    public string TimeZone { get; set; } = "UTC";
}

/// <summary>
/// The janitor (section <c>Refunds:Janitor</c>): every few minutes it takes over refunds stuck in flight (an attempt
/// lost, a resolving refund whose lookup was lost), so none waits for the daily run.
/// </summary>
public sealed class RefundJanitorOptions
{
    public const string Section = "Refunds:Janitor";

    public string Cron { get; set; } = "*/5 * * * *";
}

/// <summary>The support digest (section <c>Refunds:Digest</c>): refunds that entered Failed or NeedsSupport since the last one.</summary>
public sealed class SupportDigestOptions
{
    public const string Section = "Refunds:Digest";

    public string Cron { get; set; } = "0 * * * *";
}

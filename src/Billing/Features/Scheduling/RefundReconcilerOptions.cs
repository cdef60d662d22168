namespace Billing.Features.Scheduling;

/// <summary>When the daily refund reconciler fires (section <c>Refunds:Reconciler</c>).</summary>
public sealed class RefundReconcilerOptions
{
    public const string Section = "Refunds:Reconciler";

    /// <summary>A Quartz cron expression, seconds first: 03:00:00 every day by default.</summary>
    public string Cron { get; set; } = "0 0 3 * * ?";

    /// <summary>The time zone <see cref="Cron"/> is read in, IANA or Windows id.</summary>
    public string TimeZone { get; set; } = "UTC";
}

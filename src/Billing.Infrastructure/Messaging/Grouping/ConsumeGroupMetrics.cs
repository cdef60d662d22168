using System.Diagnostics.Metrics;

namespace Billing.Infrastructure.Messaging.Grouping;

/// <summary>
/// Consume groups on the service's meter ("Billing", as the application's own instruments): how many messages each
/// group's transaction took, and whether it committed them or gave them back to be consumed alone.
/// </summary>
public static class ConsumeGroupMetrics
{
    public const string MeterName = "Billing";
    public const string GroupSizeName = "billing.consume.group.size";

    static readonly Meter Meter = new(MeterName);

    static readonly Histogram<int> GroupSize = Meter.CreateHistogram<int>(GroupSizeName, "{message}",
        "Messages consumed in one grouped transaction, by endpoint and outcome (committed, or consumed again alone)");

    public static void Closed(string endpoint, int members, bool committed) =>
        GroupSize.Record(members, new("endpoint", endpoint), new("outcome", committed ? "committed" : "alone"));
}

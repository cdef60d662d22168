using Billing.Features.Refunds.Api;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages;

public sealed class AnalyticsModel(RefundErrorStats stats, DashboardQueries queries, TimeProvider clock) : DashboardPage
{
    [FromQuery] public int Days { get; set; } = 30;

    public RefundErrorStatsView Stats { get; private set; } = null!;
    public IReadOnlyList<RefundOutcome> Outcomes { get; private set; } = [];
    public IReadOnlyList<Tally> Halts { get; private set; } = [];
    public IReadOnlyList<Tally> Deliveries { get; private set; } = [];
    public IReadOnlyList<RenderMinute> Renders { get; private set; } = [];

    public async Task OnGet(CancellationToken ct)
    {
        Days = Math.Clamp(Days, 1, 365);
        var now = clock.GetUtcNow();
        Stats = await stats.Get(now.AddDays(-Days), now.AddMinutes(1), null, ct);
        Outcomes = await queries.RefundOutcomes(Stats.From, Stats.To, ct);
        Halts = await queries.HaltsByStep(ct);
        Deliveries = await queries.DeliveriesByChannel(ct);
        Renders = await queries.RendersPerMinute(now.AddDays(-1), ct);
    }

    /// <summary>The refunds list filtered to what a bar counts.</summary>
    public static string RefundsList(string? status = null, string? method = null, string? cause = null) => "/dashboard/refunds" + QueryString.Create(
        new Dictionary<string, string?> { ["status"] = status, ["method"] = method, ["cause"] = cause }.Where(p => p.Value is not null));

    /// <summary>A delivery status as a bar's colour: sent, skipped and failed (failed or unknown) apart, the rest in flight.</summary>
    public static string DeliveryKind(string? status) => status switch
    {
        "sent" => "sent",
        "skipped" => "skipped",
        "failed" or "unknown" => "failed",
        _ => "pending",
    };

    public static readonly (string Status, string Label)[] OutcomeLabels =
    [
        ("needs_support", "Waiting on support"), ("failed", "Ended failed"), ("refunded", "Refunded after retries"),
        ("resolved_by_hand", "Resolved by hand"), ("cancelled", "Cancelled"),
    ];
}

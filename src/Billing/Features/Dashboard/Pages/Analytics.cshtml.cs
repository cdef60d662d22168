using Billing.Features.Refunds.Api;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages;

public sealed class AnalyticsModel(RefundErrorStats stats, DashboardQueries queries, TimeProvider clock) : DashboardPage
{
    [FromQuery] public int Days { get; set; } = 30;

    public RefundErrorStatsView Stats { get; private set; } = null!;
    public IReadOnlyList<Tally> Halts { get; private set; } = [];
    public IReadOnlyList<Tally> Deliveries { get; private set; } = [];
    public IReadOnlyList<RenderMinute> Renders { get; private set; } = [];

    public async Task OnGet(CancellationToken ct)
    {
        Days = Math.Clamp(Days, 1, 365);
        var now = clock.GetUtcNow();
        Stats = await stats.Get(now.AddDays(-Days), now.AddMinutes(1), null, ct);
        Halts = await queries.HaltsByStep(ct);
        Deliveries = await queries.DeliveriesByChannel(ct);
        Renders = await queries.RendersPerMinute(now.AddDays(-1), ct);
    }
}

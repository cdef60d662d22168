using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages.Reconciler;

/// <summary>The refund reconciler's runs (what <c>GET /reconciler/runs</c> answers, read by a person); Hangfire's menu links here.</summary>
public sealed class ReconcilerRunsModel(DashboardQueries queries) : DashboardPage
{
    public const int Shown = 50;

    [FromQuery] public bool Janitor { get; set; }

    public IReadOnlyList<ReconcilerRunRow> Runs { get; private set; } = [];

    public async Task OnGet(CancellationToken ct) => Runs = await queries.ReconcilerRuns(Janitor, Shown, ct);
}

namespace Billing.Features.Dashboard.Pages.Runs;

public sealed class RunsModel(DashboardQueries queries) : DashboardPage
{
    public IReadOnlyList<RunRow> Runs { get; private set; } = [];

    public async Task OnGet(CancellationToken ct) => Runs = await queries.Runs(ct);
}

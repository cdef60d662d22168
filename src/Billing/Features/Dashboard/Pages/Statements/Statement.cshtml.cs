using Billing.Features.Access;
using Billing.Features.StatementDelivery;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Billing.Features.Dashboard.Pages.Statements;

public sealed class StatementModel(NpgsqlDataSource db, DeliveryRetry retry) : DashboardPage
{
    [FromRoute]
    public Guid StatementId { get; set; }

    public StatementView Statement { get; private set; } = null!;

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        if (await StatementEndpoints.Read(db, StatementId, ct) is not { } statement)
            return NotFoundPage($"No statement {StatementId}.");
        Statement = statement;
        return Page();
    }

    /// <summary>Support's retry of one channel: the same as <c>POST /statements/{id}/deliveries/{channel}/retry</c>.</summary>
    public async Task<IActionResult> OnPostRetry(string channel, CancellationToken ct)
    {
        if (!await Allowed(Policies.Support))
            return Refused();
        Tell(await retry.Retry(StatementId, channel, Actor, ct), $"The {channel} delivery is being retried.");
        return RedirectToPage(new { StatementId });
    }

    /// <summary>What support may retry (the API refuses the rest): a delivery that was neither sent nor skipped.</summary>
    public static bool Retryable(DeliveryView d) => d.Status is not ("sent" or "skipped");
}

using Billing.Features.StatementDelivery;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Billing.Features.Dashboard.Pages.Statements;

public sealed class StatementModel(NpgsqlDataSource db) : DashboardPage
{
    public StatementView Statement { get; private set; } = null!;

    public async Task<IActionResult> OnGet(Guid statementId, CancellationToken ct)
    {
        if (await StatementEndpoints.Read(db, statementId, ct) is not { } statement)
            return NotFoundPage($"No statement {statementId}.");
        Statement = statement;
        return Page();
    }
}

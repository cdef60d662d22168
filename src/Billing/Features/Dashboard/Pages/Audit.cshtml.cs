using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages;

public sealed class AuditModel(DashboardQueries queries, Actions.AuditOutcomes outcomes) : DashboardPage
{
    public const int PageSize = 100;

    [FromQuery(Name = "actor")] public string? ActorName { get; set; }
    [FromQuery] public string? Action { get; set; }
    [FromQuery] public string? EntityType { get; set; }
    [FromQuery] public string? EntityId { get; set; }
    [FromQuery] public DateTime? From { get; set; }
    [FromQuery] public DateTime? To { get; set; }
    [FromQuery(Name = "page")] public int PageNumber { get; set; } = 1;

    public IReadOnlyList<AuditRow> Entries { get; private set; } = [];
    public bool More { get; private set; }

    /// <summary>What became of each request: the refusal's answer, or the refund's or account's state now.</summary>
    public IReadOnlyDictionary<long, string> Outcomes { get; private set; } = new Dictionary<long, string>();

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        PageNumber = Math.Max(1, PageNumber);
        if (OutOfReach(PageNumber, PageSize) is { } refused)
            return refused;
        // The form's date-times are UTC, as every time on these pages.
        static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
        (Entries, More) = await queries.Audit(new AuditFilter(ActorName, Action, EntityType, EntityId, Utc(From), Utc(To)), withFailedLogins: IsAdmin, PageNumber, PageSize, ct);
        Outcomes = await outcomes.Of(Entries, ct);
        return Page();
    }

    public string PageUrl(int page) => "/dashboard/audit" + QueryString.Create(new Dictionary<string, string?>
    {
        ["actor"] = ActorName, ["action"] = Action, ["entityType"] = EntityType, ["entityId"] = EntityId,
        ["from"] = From?.ToString("yyyy-MM-ddTHH:mm"), ["to"] = To?.ToString("yyyy-MM-ddTHH:mm"), ["page"] = page.ToString(),
    }.Where(p => !string.IsNullOrEmpty(p.Value)));
}

using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages.Search;

/// <summary>The header's search: straight to the one match, a list for several, and a plain sentence for none or a bad query.</summary>
public sealed class SearchModel(DashboardSearch search) : DashboardPage
{
    [FromQuery(Name = "q")]
    public string? Query { get; set; }

    public SearchResult Result { get; private set; } = new([], null);

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        Result = await search.Find(Query, ct);
        if (Result.Problem is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        return Result.Hits is [var only] ? Redirect(only.Href) : Page();
    }
}

using Billing.Features.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Billing.Features.Dashboard;

/// <summary>
/// What every dashboard page knows: who is looking, what their roles allow (to hide the buttons they may not press),
/// and how an action's outcome becomes the line the next page shows.
/// </summary>
public abstract class DashboardPage : PageModel
{
    [TempData]
    public string? Flash { get; set; }

    [TempData]
    public bool FlashIsError { get; set; }

    public bool CanSupport => Policies.SupportRoles.Any(User.IsInRole);

    public bool CanOperate => Policies.OperatorRoles.Any(User.IsInRole);

    public bool IsAdmin => User.IsInRole(Roles.Admin);

    public Actor Actor => Actor.Of(User);

    /// <summary>
    /// The server's own check behind a hidden button: a POST the user's roles do not allow is answered 403 and changes
    /// nothing, whatever the page showed.
    /// </summary>
    protected async Task<bool> Allowed(string policy) =>
        (await HttpContext.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(User, policy)).Succeeded;

    protected IActionResult Refused() => StatusCode(StatusCodes.Status403Forbidden);

    /// <summary>
    /// A 400 for a page whose first row lies past what an offset can count (page 2147483647 overflowed into a negative
    /// offset, a 500), as the API answers its own lists; null for a page that can exist.
    /// </summary>
    protected IActionResult? OutOfReach(int page, int pageSize) =>
        (long)page * pageSize > int.MaxValue
            ? BadRequest(new ValidationProblemDetails(new Dictionary<string, string[]> { ["page"] = ["Past the last page there can be."] }))
            : null;

    /// <summary>
    /// The dashboard's own "not found" page, in its layout and with a way on, answered 404: a person who followed a stale
    /// link or typed an id sees what is missing, not the API's problem JSON.
    /// </summary>
    protected IActionResult NotFoundPage(string what) => new ViewResult
    {
        ViewName = "/Features/Dashboard/Pages/Shared/NotFound.cshtml",
        StatusCode = StatusCodes.Status404NotFound,
        ViewData = new ViewDataDictionary<string>(ViewData, what),
    };

    /// <summary>Shows the outcome on the page it redirects to (post, redirect, get: a reload does not repeat it).</summary>
    protected void Tell(ActionOutcome outcome, string accepted)
    {
        Flash = outcome.IsAccepted ? accepted : $"{outcome.Title}: {outcome.Message}";
        FlashIsError = !outcome.IsAccepted;
    }
}

using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Features.Dashboard.Actions;
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

    /// <summary>A bare 403 (shown as the dashboard's page by <see cref="DashboardProblemFilter"/>); prefer <see cref="RefusedUnless"/>, which audits it.</summary>
    protected IActionResult Refused() => StatusCode(StatusCodes.Status403Forbidden);

    /// <summary>
    /// The server's role check for an action: null when allowed; otherwise the refusal is audited (as
    /// <c>{action}.refused</c>) and answered with the dashboard's own 403 page.
    /// </summary>
    protected async Task<IActionResult?> RefusedUnless(string policy, AuditTarget target)
    {
        if (await Allowed(policy))
            return null;
        const string reason = "Your roles do not allow this action. Ask an admin if you need it.";
        await Audit(target, StatusCodes.Status403Forbidden, reason);
        return ProblemPage(new DashboardProblem(StatusCodes.Status403Forbidden, "Not allowed", reason));
    }

    protected IActionResult ProblemPage(DashboardProblem problem) => DashboardProblemFilter.Page(HttpContext, ModelState, problem);

    /// <summary>
    /// The confirmation step before a bulk, money or destructive action. Null when the form carries
    /// the question's token (the count the confirmation stated, just computed again): go ahead. Otherwise the
    /// confirmation page, which posts this same form back with the token; a token that no longer matches (the count
    /// changed since the question) asks again with the new count.
    /// </summary>
    protected IActionResult? Unconfirmed(Confirmation question)
    {
        var form = Request.HasFormContentType ? Request.Form : null;
        var confirmed = form?[Confirmation.Field].ToString() ?? "";
        if (confirmed == question.Token)
            return null;
        var fields = (form ?? new FormCollection([]))
            .Where(f => f.Key is not Confirmation.Field and not "__RequestVerificationToken" and not "back")
            .SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? "")))
            .ToList();
        var back = LocalDashboardUrl(form?["back"].ToString()) ?? LocalDashboardUrl(Referer()) ?? Request.Path.Value!;
        fields.Add(new("back", back));
        return new ViewResult
        {
            ViewName = "/Features/Dashboard/Pages/Shared/Confirm.cshtml",
            ViewData = new ViewDataDictionary<Confirmation>(ViewData, question with
            {
                Action = Request.Path + Request.QueryString,
                Fields = fields,
                Back = back,
                Changed = confirmed.Length == 0 ? null
                    : "This changed since you were asked: the question above counts again, as things are now. Nothing was done yet.",
            }),
        };
    }

    string? Referer() => Uri.TryCreate(Request.Headers.Referer.ToString(), UriKind.Absolute, out var uri) && uri.Authority == Request.Host.Value
        ? uri.PathAndQuery : null;

    // Only a path on this dashboard: "back" comes from the form, and a link elsewhere would be an open redirect.
    static string? LocalDashboardUrl(string? url) =>
        url is { Length: > 0 } u && u.StartsWith("/dashboard", StringComparison.Ordinal) && !u.Contains("//", StringComparison.Ordinal) ? u : null;

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

    /// <summary>
    /// As <see cref="Tell(ActionOutcome, string)"/>, and a refusal (not found, conflict, not valid) goes into the audit
    /// trail beside the accepted actions, with its reason: the action itself audits only what it accepts.
    /// </summary>
    protected async Task Tell(ActionOutcome outcome, string accepted, AuditTarget target)
    {
        Tell(outcome, accepted);
        if (!outcome.IsAccepted)
            await Audit(target, outcome.Kind switch
            {
                ActionKind.NotFound => StatusCodes.Status404NotFound,
                ActionKind.Conflict => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            }, $"{outcome.Title}: {outcome.Message}");
    }

    protected Task Audit(AuditTarget target, int status, string reason) =>
        HttpContext.RequestServices.GetRequiredService<AuditTrail>().Record(new AuditEntry(Actor, $"{target.Action}.refused",
            target.EntityType, target.EntityId, After: new { outcome = "refused", status, reason }), HttpContext.RequestAborted);
}

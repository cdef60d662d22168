using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Billing.Features.Dashboard.Actions;

/// <summary>
/// Every error status a dashboard page answers without a page of its own (a bare 403, a 400 problem, an expired form's
/// antiforgery 400, a 404) becomes the dashboard's problem page with the same status, so a person never sees problem
/// JSON. Pages that render their own answer (a view, a page, a partial) are left alone.
/// </summary>
public sealed class DashboardProblemFilter : IAlwaysRunResultFilter
{
    public const string View = "/Features/Dashboard/Pages/Shared/Problem.cshtml";

    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is ViewResult or PageResult or PartialViewResult || context.Result is not IStatusCodeActionResult { StatusCode: int status and >= 400 })
            return;
        context.Result = Page(context.HttpContext, context.ModelState, Describe(status, context.Result));
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }

    public static ViewResult Page(HttpContext http, ModelStateDictionary modelState, DashboardProblem problem) => new()
    {
        ViewName = View,
        StatusCode = problem.Status,
        ViewData = new ViewDataDictionary<DashboardProblem>(http.RequestServices.GetRequiredService<IModelMetadataProvider>(), modelState)
        {
            Model = problem,
        },
    };

    static DashboardProblem Describe(int status, IActionResult result) => result switch
    {
        IAntiforgeryValidationFailedResult => new(status, "The form expired",
            "The form was open too long or came from elsewhere. Go back, reload the page and try again."),
        ObjectResult { Value: ValidationProblemDetails v } => new(status, v.Title ?? "Not valid",
            string.Join(" ", v.Errors.SelectMany(e => e.Value)) is { Length: > 0 } errors ? errors : v.Detail ?? ""),
        ObjectResult { Value: ProblemDetails p } => new(status, p.Title ?? Title(status), p.Detail ?? ""),
        _ => new(status, Title(status), status switch
        {
            403 => "Your roles do not allow this page or action. Ask an admin if you need it.",
            404 => "There is nothing at this address.",
            _ => "",
        }),
    };

    static string Title(int status) => status switch
    {
        403 => "Not allowed",
        404 => "Not found",
        _ => "Not done",
    };
}

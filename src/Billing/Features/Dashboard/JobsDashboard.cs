using Billing.Features.Access;
using Billing.Features.Audit;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Dashboard;

namespace Billing.Features.Dashboard;

/// <summary>
/// Hangfire's dashboard at /hangfire behind the dashboard's login: any staff role may look, only an admin may trigger,
/// requeue or delete (everyone else gets Hangfire's read-only view), and the storage connection string is never shown.
/// An admin's commands go into the audit trail, and anyone else's refused ones too; each list command asks first with
/// the count and ids it will touch (Assets/jobs-confirm.js, added to Hangfire's own scripts), and a job an admin starts
/// there carries their name (<see cref="TriggeredBy"/>).
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/hangfire";

    /// <summary>The job parameter naming who pressed Hangfire's "Trigger now" (or requeue); absent on a scheduled firing.</summary>
    public const string TriggeredBy = "TriggeredBy";

    static readonly object Once = new();
    static bool _extended;

    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        // Hangfire keeps its filters and menu in static lists: added once per process, however many hosts a test starts.
        lock (Once)
        {
            if (!_extended)
            {
                GlobalJobFilters.Filters.Add(new NameWhoTriggered());
                NavigationMenu.Items.Add(_ => new MenuItem("Reconciler runs", ReconcilerPage));
                DashboardRoutes.AddJavaScript(typeof(JobsDashboard).Assembly, "Billing.Features.Dashboard.Assets.jobs-confirm.js");
                _extended = true;
            }
        }

        app.UseWhen(IsCommand, branch => branch.Use(AuditCommand));
        app.MapHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new StaffOnly()],
            IsReadOnlyFunc = context => !context.GetHttpContext().User.IsInRole(Roles.Admin),
            DisplayStorageConnectionString = false,
            DashboardTitle = "Billing jobs",
            AppPath = DashboardRegistration.Home,
        }, app.Services.GetRequiredService<JobStorage>()).RequireAuthorization(Policies.Staff);
        return app;
    }

    /// <summary>The dashboard's page of the reconciler's runs, linked from Hangfire's menu.</summary>
    public const string ReconcilerPage = "/dashboard/reconciler";

    /// <summary>
    /// A job created while a request to Hangfire's dashboard runs was made by the person logged in there: its parameter
    /// <see cref="TriggeredBy"/> names them, so the reconciler run it starts says who, not "schedule". Hangfire's own
    /// client-filter hook; the request is found through <see cref="HttpContextAccessor"/> (an async-local the host fills because
    /// AddDashboard registers an accessor).
    /// </summary>
    sealed class NameWhoTriggered : IClientFilter
    {
        readonly HttpContextAccessor _http = new();

        public void OnCreating(CreatingContext context)
        {
            // Hangfire's dashboard runs under a path base of its own: the whole path is base and path together.
            if (_http.HttpContext is { } http && http.Request.PathBase.Add(http.Request.Path).StartsWithSegments(Path)
                && http.User.Identity is { IsAuthenticated: true, Name: { } name })
                context.SetJobParameter(TriggeredBy, name);
        }

        public void OnCreated(CreatedContext context)
        {
        }
    }

    /// <summary>Hangfire asks its own filters too; the endpoint's policy has already answered, this says the same.</summary>
    sealed class StaffOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => Roles.Staff.Any(context.GetHttpContext().User.IsInRole);
    }

    // The dashboard polls POST /hangfire/stats; everything else it posts is a command.
    static bool IsCommand(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments(Path, out var rest)
        && !rest.StartsWithSegments("/stats") && context.User.Identity?.IsAuthenticated == true;

    static async Task AuditCommand(HttpContext context, RequestDelegate next)
    {
        context.Request.Path.StartsWithSegments(Path, out var rest);
        var segments = rest.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Read before Hangfire does: the form is cached on the request, so Hangfire reads the same one.
        IReadOnlyList<string> ids = [];
        string what;
        if (Array.IndexOf(segments, "actions") is var at and >= 0 && segments.Length > at + 2)
            (what, ids) = (segments[at + 1], [segments[at + 2]]);
        else
        {
            what = segments.LastOrDefault() ?? "post";
            if (context.Request.HasFormContentType)
                ids = (await context.Request.ReadFormAsync(context.RequestAborted))["jobs[]"].Where(v => v is not null).ToList()!;
        }

        await next(context);
        // A command Hangfire refused (read-only for everyone but admins) is recorded as refused, with the status it got.
        var status = context.Response.StatusCode;
        var refused = status >= 400;
        var entityType = segments.FirstOrDefault() == "recurring" ? "recurring_job" : "job";
        var actor = Actor.Of(context.User);
        await context.RequestServices.GetRequiredService<AuditTrail>().Record(
            (ids.Count == 0 ? ["-"] : ids).Select(id => new AuditEntry(actor, refused ? $"hangfire.{what}.refused" : $"hangfire.{what}", entityType, id,
                After: refused ? new { outcome = "refused", status, reason = "Only an admin may act in the jobs dashboard." } : null,
                Note: rest.Value)),
            CancellationToken.None);
    }
}

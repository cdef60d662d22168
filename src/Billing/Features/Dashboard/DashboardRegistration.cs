using System.Reflection;
using Billing.Features.Access;
using Microsoft.AspNetCore.Mvc.ApplicationParts;

namespace Billing.Features.Dashboard;

/// <summary>
/// The operations dashboard: Razor Pages under <c>/dashboard</c> (every page asks for a staff role), the login, logout and
/// denied pages, the pages' own CSS and JS (embedded, no CDN), and the Hangfire dashboard at <c>/hangfire</c> behind the
/// same login.
/// </summary>
public static class DashboardRegistration
{
    public const string Home = "/dashboard";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        // The host fills the request's async-local only with an accessor registered: JobsDashboard's filter reads it.
        services.AddHttpContextAccessor();
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Features/Dashboard/Pages";
            o.Conventions.AuthorizeFolder("/", Policies.Staff);
            o.Conventions.AllowAnonymousToPage("/Login");
            o.Conventions.AllowAnonymousToPage("/Denied");
            o.Conventions.AddPageRoute("/Runs/Index", Home);
            // A refused or failed request shows the dashboard's own page, not the API's problem JSON.
            o.Conventions.ConfigureFilter(new Actions.DashboardProblemFilter());
        }).ConfigureApplicationPartManager(parts =>
        {
            // The host's application name is not this assembly when the API runs inside another process (the tests'),
            // and Razor finds pages only in its application parts.
            var assembly = typeof(DashboardRegistration).Assembly;
            if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly))
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    parts.ApplicationParts.Add(part);
        });
        services.AddScoped<DashboardQueries>();
        services.AddScoped<AccountQueries>();
        services.AddScoped<AccountBillings>();
        services.AddScoped<DashboardSearch>();
        services.AddScoped<Actions.AuditOutcomes>();
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect(Home)).RequireAuthorization(Policies.Staff).ExcludeFromDescription();
        app.MapGet("/dashboard/assets/{name}", Asset).AllowAnonymous().ExcludeFromDescription();
        app.MapRazorPages();
        app.MapJobsDashboard();
        return app;
    }

    static readonly Assembly Assets = typeof(DashboardRegistration).Assembly;

    static IResult Asset(string name, HttpContext http)
    {
        var type = Path.GetExtension(name) switch { ".css" => "text/css", ".js" => "text/javascript", _ => null };
        var stream = type is null ? null : Assets.GetManifestResourceStream($"Billing.Features.Dashboard.Assets.{name}");
        if (stream is null)
            return Results.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Stream(stream, $"{type}; charset=utf-8");
    }
}

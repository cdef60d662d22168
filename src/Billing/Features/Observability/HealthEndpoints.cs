using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Billing.Features.Observability;

/// <summary>
/// /health/live answers 200 while the process serves requests and checks nothing (a restart cures nothing a
/// dependency broke); /health/ready runs every check tagged "ready" (Postgres, the bus, Hangfire's storage, Chromium)
/// and answers 503 when one is unhealthy. Both write JSON: the overall status, and each check's status, duration,
/// description and data. Exceptions are named by type only: the answer is open to anyone.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    /// <summary>A check that hangs counts as unhealthy after this, so a probe always gets its answer.</summary>
    static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <param name="chromiumPool">Worker role (it prints): the live pool; the API only checks the browser can start.</param>
    public static IServiceCollection AddBillingHealthChecks(this IServiceCollection services, bool chromiumPool)
    {
        var checks = services.AddHealthChecks().AddCheck<HangfireStorageHealthCheck>("hangfire", tags: [ReadyTag]);
        if (chromiumPool)
            checks.AddCheck<ChromiumPoolHealthCheck>("chromium", tags: [ReadyTag]);
        else
            checks.AddCheck<ChromiumExecutableHealthCheck>("chromium", tags: [ReadyTag]);
        services.AddSingleton<ChromiumExecutable>();
        services.PostConfigure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan))
                registration.Timeout = CheckTimeout;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .AllowAnonymous().ExcludeFromDescription();
        // MassTransit registers its bus check with the "ready" tag as well.
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = Write })
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    static Task Write(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                description = e.Value.Description,
                error = e.Value.Exception?.GetType().Name,
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        }, Json), http.RequestAborted);
    }
}

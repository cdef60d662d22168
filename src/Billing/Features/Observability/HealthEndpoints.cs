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

    /// <param name="chromium">What the <c>chromium</c> check looks at, if anything (<see cref="ChromiumCheck"/>).</param>
    /// <param name="workerRoles">A worker: a <c>roles</c> check that names the roles it runs.</param>
    public static IServiceCollection AddBillingHealthChecks(this IServiceCollection services, ChromiumCheck chromium, bool workerRoles = false)
    {
        var checks = services.AddHealthChecks().AddCheck<HangfireStorageHealthCheck>("hangfire", tags: [ReadyTag]);
        if (chromium == ChromiumCheck.Pool)
            checks.AddCheck<ChromiumPoolHealthCheck>("chromium", tags: [ReadyTag]);
        else if (chromium == ChromiumCheck.Executable)
            checks.AddCheck<ChromiumExecutableHealthCheck>("chromium", tags: [ReadyTag]);
        if (workerRoles)
            checks.AddCheck<WorkerRolesHealthCheck>("roles", tags: [ReadyTag]);
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

public enum ChromiumCheck
{
    /// <summary>A worker without the pdf role: it never starts the browser, so nothing to check.</summary>
    None,

    /// <summary>The API: it prints nothing, but the browser the workers use can start on this host.</summary>
    Executable,

    /// <summary>A worker with the pdf role: the browser starts, and the live pool's state.</summary>
    Pool,
}

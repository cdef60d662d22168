using Billing.Infrastructure.Postgres;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Billing.Hosting;

/// <summary>What the API takes in before any handler runs, and how it refuses what it cannot read.</summary>
public static class RequestLimits
{
    /// <summary>
    /// The largest request body (1 MB): every JSON body here is a few hundred bytes, so a bigger one is refused (413) before
    /// it is read into memory. An endpoint that takes more says so itself (POST /accounts/import streams gigabytes).
    /// </summary>
    public const long MaxRequestBodySize = 1024 * 1024;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodySize);
        // A request the server could not read (a body over the limit, a client that broke off) is the caller's 4xx, not our
        // 500: minimal APIs' binding answers it so, but a handler reading the body itself (Stripe's webhook) gets it thrown.
        // The database briefly away (a restart, a failover, a full pool) is a 503 to try again, with Retry-After (ProblemTypes).
        services.Configure<ExceptionHandlerOptions>(o => o.StatusCodeSelector = e => e switch
        {
            Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
            _ when PostgresErrors.IsTransient(e) => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        });
        return services;
    }
}

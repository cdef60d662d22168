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
        services.Configure<ExceptionHandlerOptions>(o =>
            o.StatusCodeSelector = e => e is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError);
        return services;
    }
}

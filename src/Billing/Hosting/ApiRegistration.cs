using Billing.Features.Access;

namespace Billing.Hosting;

public static class ApiRegistration
{
    /// <summary>
    /// The largest request body (1 MB): every JSON body here is a few hundred bytes, so a bigger one is refused (413) before
    /// it is read into memory. An endpoint that takes more says so itself (POST /accounts/import streams gigabytes).
    /// </summary>
    public const long MaxRequestBodySize = 1024 * 1024;

    public static IServiceCollection AddBillingApi(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodySize);
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen();
        return services;
    }

    public static WebApplication MapBillingApi(this WebApplication app)
    {
        // A request the server could not read (a body over the limit, a client that broke off) is the caller's 4xx, not our 500:
        // minimal APIs' binding answers it so, a handler reading the body itself (Stripe's webhook) throws it.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseSwagger();
        app.UseSwaggerUI();
        app.UseAccess();

        // MassTransit registers its bus health check with the "ready" tag.
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
        return app;
    }
}

using Billing.Features.Access;
using Billing.Features.Observability;
using Billing.Features.Observability.OpenApi;
using Billing.Hosting.Input;

namespace Billing.Hosting;

public static class ApiRegistration
{
    public static IServiceCollection AddBillingApi(this IServiceCollection services)
    {
        services.AddBillingProblemDetails();
        services.AddBillingOpenApi();
        services.AddBillingHealthChecks(ChromiumCheck.Executable);
        return services;
    }

    public static WebApplication MapBillingApi(this WebApplication app)
    {
        // Both write problems (ProblemTypes): an exception as a 500 without its stack, and a bare error status (an
        // unknown route's 404, a wrong method's 405, a 401 before any handler) with its type.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before anything reads the request (the login, the API-key lookup, a handler): control characters refused.
        app.UseOutsideInputGuard();
        app.MapBillingOpenApi();
        app.UseAccess();

        app.MapMonitoring();
        return app;
    }
}

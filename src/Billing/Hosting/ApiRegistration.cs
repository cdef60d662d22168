using Billing.Features.Access;

namespace Billing.Hosting;

public static class ApiRegistration
{
    public static IServiceCollection AddBillingApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen();
        return services;
    }

    public static WebApplication MapBillingApi(this WebApplication app)
    {
        app.UseExceptionHandler();
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

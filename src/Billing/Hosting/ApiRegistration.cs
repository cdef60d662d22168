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

        // MassTransit registers its bus health check with the "ready" tag.
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        return app;
    }
}

using Billing.Features.Access;
using Microsoft.OpenApi;

namespace Billing.Features.Observability.OpenApi;

/// <summary>
/// The OpenAPI document (/swagger/v1/swagger.json) and Swashbuckle's UI (/swagger), both open: the document describes
/// shapes, never data. The handlers keep their summaries and policies; what every operation shares (its problem
/// answers, the API key, examples, success shapes of handlers that return IResult) is added here by filters, so a new
/// endpoint gets it without a line of its own.
/// </summary>
public static class OpenApiRegistration
{
    public const string DocumentName = "v1";
    public const string SecurityScheme = "ApiKey";

    public static IServiceCollection AddBillingOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Billing API",
                Version = DocumentName,
                Description = "Refunds, repayments, billing runs, statements and account imports. Machines send an API key in "
                    + $"`{ApiKeys.Header}`; its roles decide what it may do (docs/access.md). Every error is a problem "
                    + "(application/problem+json) whose `type` names its kind (docs/api.md).",
            });
            o.AddSecurityDefinition(SecurityScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeys.Header,
                Description = "An API key made with `Billing keys add`; staff in a browser use the login cookie instead.",
            });
            o.OperationFilter<SecurityFilter>();
            o.OperationFilter<SuccessResponsesFilter>();
            o.OperationFilter<ProblemResponsesFilter>();
            o.SchemaFilter<RequestExamplesFilter>();
            o.SupportNonNullableReferenceTypes();
        });
        return services;
    }

    public static WebApplication MapBillingOpenApi(this WebApplication app)
    {
        app.MapSwagger("/swagger/{documentName}/swagger.json").AllowAnonymous().ExcludeFromDescription();
        // The UI is static files served by middleware ahead of authorization: open like the document it reads.
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint($"/swagger/{DocumentName}/swagger.json", "Billing API v1");
            o.DocumentTitle = "Billing API";
        });
        return app;
    }
}

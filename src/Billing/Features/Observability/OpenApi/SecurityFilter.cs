using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Billing.Features.Observability.OpenApi;

/// <summary>Every operation asks for the API key, except the open ones (AllowAnonymous: Stripe's signed webhook).</summary>
public sealed class SecurityFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
            return;
        }
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiRegistration.SecurityScheme, context.Document)] = [] },
        ];
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Billing.Features.Observability.OpenApi;

/// <summary>
/// The problems an operation can answer, as application/problem+json, where the endpoint did not declare them itself:
/// 400 when it takes input, 401/403 unless it is open, 404 when its route names something, 409 for a POST, 500 always
/// (and 503 where the handler may find the bus or a dependency away). The type of each is in docs/api.md.
/// </summary>
public sealed class ProblemResponsesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var api = context.ApiDescription;
        var open = api.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any();
        var takesInput = api.ParameterDescriptions.Any(p => p.Source.Id is "Body" or "Query" or "Header" or "Path" or "Form");
        var post = string.Equals(api.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase);

        operation.Responses ??= [];
        if (takesInput)
            Add(operation, context, 400, "The input is not valid (validation: `errors` names each field); nothing was changed.", validation: true);
        if (!open)
        {
            Add(operation, context, 401, "No API key or login.");
            Add(operation, context, 403, "The caller's roles do not allow this.");
        }
        if (api.ParameterDescriptions.Any(p => p.Source.Id == "Path"))
            Add(operation, context, 404, "Nothing has this id.");
        if (post)
        {
            Add(operation, context, 409, "Conflicts with what is already there (a reused idempotency key, a state that moved on).");
            Add(operation, context, 503, "A dependency is away (the bus did not answer in time); the same request may be sent again.");
        }
        Add(operation, context, 500, "Something failed on our side; quote the traceId.");
    }

    static void Add(OpenApiOperation operation, OperationFilterContext context, int status, string description, bool validation = false)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
            return;
        var schema = context.SchemaGenerator.GenerateSchema(validation ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails),
            context.SchemaRepository);
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
        };
    }
}

using Billing.Infrastructure.Postgres;

namespace Billing.Features.Observability;

/// <summary>
/// Every error the API answers is a problem (RFC 9457, application/problem+json) whose <c>type</c> names its kind,
/// stable across releases so a client can switch on it; <c>traceId</c> ties it to the logs and traces. The handlers
/// only say the status (Results.Problem, Results.ValidationProblem); the type is filled in here, for theirs and for
/// the framework's own (unknown route, wrong method, a body too large, an exception). The list is in docs/api.md.
/// </summary>
public static class ProblemTypes
{
    public const string Base = "https://billing.local/problems/";

    public const string Validation = Base + "validation";
    public const string BadRequest = Base + "bad-request";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string NotAcceptable = Base + "not-acceptable";
    public const string Conflict = Base + "conflict";
    public const string TooLarge = Base + "too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string Unprocessable = Base + "unprocessable";
    public const string RateLimited = Base + "rate-limited";
    public const string Internal = Base + "internal";
    public const string Unavailable = Base + "unavailable";

    /// <summary>The type of a problem with this status; a 400 carrying field errors is a validation problem.</summary>
    /// <summary>What a 503 for a database briefly away asks the caller to wait.</summary>
    public const int RetryAfterSeconds = 5;

    public static string For(int status, bool validation) => status switch
    {
        400 => validation ? Validation : BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        406 => NotAcceptable,
        409 => Conflict,
        413 => TooLarge,
        415 => UnsupportedMediaType,
        422 => Unprocessable,
        429 => RateLimited,
        502 or 503 or 504 => Unavailable,
        >= 500 => Internal,
        _ => $"{Base}status-{status}",
    };

    public static IServiceCollection AddBillingProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            problem.Status = status;
            // ASP.NET Core's defaults point at the RFC's section for the status; a type a handler chose stays.
            if (problem.Type is null || problem.Type.Contains("ietf.org", StringComparison.Ordinal))
                problem.Type = For(status, problem is HttpValidationProblemDetails { Errors.Count: > 0 });
            problem.Instance ??= context.HttpContext.Request.Path;
            // ProblemDetailsDefaults adds traceId already; an exception's problem keeps it even where they did not.
            problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
            if (status == StatusCodes.Status503ServiceUnavailable && context.Exception is { } away && PostgresErrors.IsTransient(away))
            {
                // Seconds: a restart takes a few; the caller's retry of the same request is safe (intake keys, reads).
                context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
                problem.Detail = "The database is briefly unavailable; send the same request again shortly.";
            }
            else if (status >= 500 && context.Exception is not null)
                // The exception is logged with its stack by the handler; the caller gets only the trace id to quote.
                problem.Detail = "Something failed on our side. Quote the traceId when you report it.";
        });
}

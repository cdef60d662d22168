using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Refunds.Saga;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Api;

public static class RefundEndpoints
{
    const int MaxPageSize = 200;

    /// <summary>A cause is a provider's error code; nothing longer is stored.</summary>
    internal const int MaxCauseLength = 100;

    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/refunds").WithTags("Refunds");
        refunds.MapPost("", RefundIntakeEndpoint.Handle).RequireAuthorization(Policies.Intake)
            .WithSummary("Ask for a refund (Idempotency-Key header required; an API key with the intake role).");
        refunds.MapGet("/{refundId:guid}", GetRefund).RequireAuthorization(Policies.Staff).WithSummary("A refund's status and attempt history.");
        refunds.MapGet("", ListRefunds).RequireAuthorization(Policies.Staff)
            .WithSummary("Refunds filtered by status, method and request time, newest first, paged.");
        refunds.MapPost("/{refundId:guid}/retry", Retry).RequireAuthorization(Policies.Support).WithSummary("Support: one more attempt for a failed refund.");
        refunds.MapSupportTools();
        refunds.MapGet("/errors", ErrorStats).RequireAuthorization(Policies.Staff)
            .WithSummary("Failed attempts by day, method and cause; refunds waiting on support.");
        return app;
    }

    static async Task<IResult> GetRefund(Guid refundId, RefundQueries queries, CancellationToken cancellationToken) =>
        await queries.Find(refundId, cancellationToken) is { } refund ? Results.Ok(refund) : NotFound(refundId);

    static async Task<IResult> ListRefunds(RefundQueries queries, IOptions<RefundOptions> options, CancellationToken cancellationToken,
        string? status = null, string? method = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int page = 1, int pageSize = 50,
        string? paymentId = null, string? providerRefundId = null, string? cause = null)
    {
        var problems = FilterProblems(status, from, to, out var state, method, options.Value.Methods.Keys, cause);
        if (page < 1)
            problems["page"] = ["Pages start at 1."];
        else if ((long)page * Math.Max(pageSize, 1) > int.MaxValue)
            problems["page"] = ["Past the last page there can be."];
        if (pageSize is < 1 or > MaxPageSize)
            problems["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems);

        return Results.Ok(await queries.List(new RefundFilter(state, method, from, to, paymentId, providerRefundId, cause), page, pageSize, cancellationToken));
    }

    /// <summary>
    /// The problems of a list filter's status, time window and (given the known <paramref name="methods"/>) method;
    /// <paramref name="state"/> is the status's saga state.
    /// </summary>
    internal static Dictionary<string, string[]> FilterProblems(string? status, DateTimeOffset? from, DateTimeOffset? to, out string? state,
        string? method = null, IReadOnlyCollection<string>? methods = null, string? cause = null)
    {
        var problems = new Dictionary<string, string[]>();
        state = status is null ? null : RefundStatus.StateOf(status);
        if (status is not null && state is null)
            problems["status"] = [$"Unknown status '{status}'. Known: {string.Join(", ", RefundStatus.All)}."];
        if (from is not null && to is not null && from >= to)
            problems["from"] = ["Must be before 'to'."];
        if (MethodProblem(method, methods) is { } unknown)
            problems["method"] = [unknown];
        if (cause is { Length: > MaxCauseLength })
            problems["cause"] = [$"At most {MaxCauseLength} characters."];
        return problems;
    }

    /// <summary>A method filter that no refund can have is a mistake to name, not a search that finds nothing.</summary>
    internal static string? MethodProblem(string? method, IReadOnlyCollection<string>? methods) =>
        method is not null && methods is not null && !methods.Contains(method)
            ? $"Unknown payment method '{(method.Length > 40 ? method[..40] + "…" : method)}'. Known: {string.Join(", ", methods.Order())}."
            : null;

    static async Task<IResult> Retry(Guid refundId, ClaimsPrincipal user, RefundActions actions, CancellationToken cancellationToken) =>
        (await actions.Retry(refundId, Actor.Of(user), cancellationToken)).ToResult();

    static async Task<IResult> ErrorStats(RefundErrorStats stats, TimeProvider clock, IOptions<RefundOptions> options, CancellationToken cancellationToken,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? method = null)
    {
        if (MethodProblem(method, options.Value.Methods.Keys) is { } unknown)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["method"] = [unknown] });
        var end = to ?? clock.GetUtcNow();
        // The default window is the 30 days before 'to'; a 'to' in the first days of year 1 has fewer before it.
        var start = from ?? (end - DateTimeOffset.MinValue > TimeSpan.FromDays(30) ? end.AddDays(-30) : DateTimeOffset.MinValue);
        if (start >= end)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Must be before 'to'."] });
        return Results.Ok(await stats.Get(start, end, method, cancellationToken));
    }

    static IResult NotFound(Guid refundId) =>
        Results.Problem($"No refund has id {refundId}.", statusCode: StatusCodes.Status404NotFound, title: "Refund not found");
}

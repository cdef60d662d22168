using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Refunds.Saga;

namespace Billing.Features.Refunds.Api;

public static class RefundEndpoints
{
    const int MaxPageSize = 200;

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

    static async Task<IResult> ListRefunds(RefundQueries queries, CancellationToken cancellationToken,
        string? status = null, string? method = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int page = 1, int pageSize = 50,
        string? paymentId = null, string? providerRefundId = null)
    {
        var problems = FilterProblems(status, from, to, out var state);
        if (page < 1)
            problems["page"] = ["Pages start at 1."];
        else if ((long)page * Math.Max(pageSize, 1) > int.MaxValue)
            problems["page"] = ["Past the last page there can be."];
        if (pageSize is < 1 or > MaxPageSize)
            problems["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems);

        return Results.Ok(await queries.List(new RefundFilter(state, method, from, to, paymentId, providerRefundId), page, pageSize, cancellationToken));
    }

    /// <summary>The problems of a list filter's status and time window; <paramref name="state"/> is the status's saga state.</summary>
    internal static Dictionary<string, string[]> FilterProblems(string? status, DateTimeOffset? from, DateTimeOffset? to, out string? state)
    {
        var problems = new Dictionary<string, string[]>();
        state = status is null ? null : RefundStatus.StateOf(status);
        if (status is not null && state is null)
            problems["status"] = [$"Unknown status '{status}'. Known: {string.Join(", ", RefundStatus.All)}."];
        if (from is not null && to is not null && from >= to)
            problems["from"] = ["Must be before 'to'."];
        return problems;
    }

    static async Task<IResult> Retry(Guid refundId, ClaimsPrincipal user, RefundActions actions, CancellationToken cancellationToken) =>
        (await actions.Retry(refundId, Actor.Of(user), cancellationToken)).ToResult();

    static async Task<IResult> ErrorStats(RefundErrorStats stats, TimeProvider clock, CancellationToken cancellationToken,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? method = null)
    {
        var end = to ?? clock.GetUtcNow();
        var start = from ?? end.AddDays(-30);
        if (start >= end)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Must be before 'to'."] });
        return Results.Ok(await stats.Get(start, end, method, cancellationToken));
    }

    static IResult NotFound(Guid refundId) =>
        Results.Problem($"No refund has id {refundId}.", statusCode: StatusCodes.Status404NotFound, title: "Refund not found");
}

using Billing.Contracts.Refunds;
using Billing.Features.Refunds.Saga;
using MassTransit;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Refunds.Api;

public sealed record RetryBody(string? RequestedBy);

public static class RefundEndpoints
{
    const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/refunds").WithTags("Refunds");
        refunds.MapPost("", RefundIntakeEndpoint.Handle)
            .WithSummary("Ask for a refund (Idempotency-Key header required).");
        refunds.MapGet("/{refundId:guid}", GetRefund).WithSummary("A refund's status and attempt history.");
        refunds.MapGet("", ListRefunds).WithSummary("Refunds filtered by status, method and request time, newest first, paged.");
        refunds.MapPost("/{refundId:guid}/retry", Retry).WithSummary("Support: one more attempt for a failed refund.");
        refunds.MapSupportTools();
        refunds.MapGet("/errors", ErrorStats).WithSummary("Failed attempts by day, method and cause; refunds waiting on support.");
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

    /// <summary>
    /// 202 from Failed or NeedsSupport; the saga runs one attempt however often this is clicked, since the first
    /// click moves it out of the states that accept a retry.
    /// </summary>
    static async Task<IResult> Retry(Guid refundId, [FromHeader(Name = "X-Requested-By")] string? requestedByHeader, RetryBody? body,
        RefundQueries queries, IPublishEndpoint publish, TimeProvider clock, CancellationToken cancellationToken)
    {
        var requestedBy = body?.RequestedBy ?? requestedByHeader;
        if (string.IsNullOrWhiteSpace(requestedBy) || requestedBy.Length > 100)
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["requestedBy"] = ["Say who asks for the retry (body 'requestedBy' or header X-Requested-By), at most 100 characters."],
            });

        if (await queries.Status(refundId, cancellationToken) is not { } status)
            return NotFound(refundId);
        if (status == RefundStatus.Refunded)
            return Results.Problem($"Refund {refundId} is already refunded; nothing to retry.", statusCode: StatusCodes.Status409Conflict,
                title: "Already refunded");
        if (!RefundStatus.AllowsManualRetry(status))
            return Results.Problem($"Refund {refundId} is {status}; a retry is possible once it is failed or needs_support.",
                statusCode: StatusCodes.Status409Conflict, title: "Refund is in progress");

        await publish.Publish(new RetryRefund(refundId, requestedBy, clock.GetUtcNow()), cancellationToken);
        return Results.Accepted($"/refunds/{refundId}", new { refundId, RequestedBy = requestedBy, Status = "retry_requested" });
    }

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

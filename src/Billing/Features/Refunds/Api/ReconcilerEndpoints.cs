using Billing.Features.Scheduling;
using Billing.Infrastructure.Persistence;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Api;

public sealed record ReconcilerRunView(Guid RunId, string Trigger, DateTimeOffset DueAt, DateTimeOffset StartedAt, int Expected,
    int Refunded, int NeedsSupport, int Skipped, DateTimeOffset? CompletedAt, DateTimeOffset? MailSentAt);

/// <summary>The daily reconciler, on demand: start a run now and follow its counts.</summary>
public static class ReconcilerEndpoints
{
    public static IEndpointRouteBuilder MapReconciler(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/reconciler/runs").WithTags("Refunds");
        runs.MapPost("", Trigger).WithSummary("Run the refund reconciler now (a worker fires it within seconds).");
        runs.MapGet("", Recent).WithSummary("The latest reconciler runs with their counts.");
        runs.MapGet("/{runId:guid}", Get).WithSummary("One run's progress: refunds expected, refunded, needing support.");
        return app;
    }

    static async Task<IResult> Trigger([FromHeader(Name = "X-Requested-By")] string? requestedByHeader, RetryBody? body,
        IReconcilerTrigger trigger, CancellationToken cancellationToken)
    {
        var requestedBy = body?.RequestedBy ?? requestedByHeader;
        if (string.IsNullOrWhiteSpace(requestedBy) || requestedBy.Length > 100)
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["requestedBy"] = ["Say who starts the run (body 'requestedBy' or header X-Requested-By), at most 100 characters."],
            });

        var runId = await trigger.TriggerNowAsync(requestedBy, cancellationToken);
        return Results.Accepted($"/reconciler/runs/{runId}", new { runId, requestedBy });
    }

    static async Task<IResult> Recent(BillingDbContext db, CancellationToken cancellationToken) =>
        Results.Ok(await Runs(db, null).ToListAsync(cancellationToken));

    static async Task<IResult> Get(Guid runId, BillingDbContext db, CancellationToken cancellationToken) =>
        await Runs(db, runId).SingleOrDefaultAsync(cancellationToken) is { } run
            ? Results.Ok(run)
            : Results.Problem($"No reconciler run {runId} has started (a run requested a moment ago starts within seconds).",
                statusCode: StatusCodes.Status404NotFound, title: "Run not found");

    static IQueryable<ReconcilerRunView> Runs(BillingDbContext db, Guid? runId) =>
        db.Database.SqlQuery<ReconcilerRunView>($"""
            select run_id as "RunId", trigger as "Trigger", due_at as "DueAt", started_at as "StartedAt", expected as "Expected",
                   refunded as "Refunded", needs_support as "NeedsSupport", skipped as "Skipped", completed_at as "CompletedAt",
                   mail_sent_at as "MailSentAt"
            from refunds.reconciler_run
            where {runId}::uuid is null or run_id = {runId}
            order by started_at desc
            limit 20
            """);
}

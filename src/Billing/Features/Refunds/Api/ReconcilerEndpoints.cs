using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Features.Scheduling;
using Billing.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Api;


public sealed record ReconcilerRunAccepted(Guid RunId, string RequestedBy);

public sealed record ReconcilerRunView(Guid RunId, string Trigger, DateTimeOffset DueAt, DateTimeOffset StartedAt, int Expected,
    int Refunded, int NeedsSupport, int Skipped, DateTimeOffset? CompletedAt, DateTimeOffset? MailSentAt);

/// <summary>The daily reconciler, on demand: start a run now and follow its counts.</summary>
public static class ReconcilerEndpoints
{
    public static IEndpointRouteBuilder MapReconciler(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/reconciler/runs").WithTags("Refunds");
        runs.MapPost("", Trigger).RequireAuthorization(Policies.Admin).WithSummary("Run the refund reconciler now (a worker fires it within seconds).");
        runs.MapGet("", Recent).RequireAuthorization(Policies.Staff).WithSummary("The latest reconciler runs with their counts.");
        runs.MapGet("/{runId:guid}", Get).RequireAuthorization(Policies.Staff).WithSummary("One run's progress: refunds expected, refunded, needing support.");
        return app;
    }

    static async Task<IResult> Trigger(ClaimsPrincipal user, IReconcilerTrigger trigger, AuditTrail audit, CancellationToken cancellationToken)
    {
        var actor = Actor.Of(user);
        var runId = await trigger.TriggerNowAsync(actor.Name, cancellationToken);
        await audit.Record(new AuditEntry(actor, "reconciler.trigger", "reconciler_run", runId.ToString(), After: new { status = "requested" }),
            cancellationToken);
        return Results.Accepted($"/reconciler/runs/{runId}", new ReconcilerRunAccepted(runId, actor.Name));
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

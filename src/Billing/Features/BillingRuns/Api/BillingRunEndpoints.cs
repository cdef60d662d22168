using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.BillingRuns.Steps;

namespace Billing.Features.BillingRuns.Api;

public sealed record StartRunBody(DateOnly? StatementDate);

/// <summary>Starting runs, watching them, and resuming halted accounts.</summary>
public static class BillingRunEndpoints
{
    const int MaxPage = 500;
    const int HaltedOnRunPage = 50;

    public static WebApplication MapBillingRuns(this WebApplication app)
    {
        var runs = app.MapGroup("/billing/runs").WithTags("Billing runs");

        runs.MapPost("/", async (StartRunBody body, ClaimsPrincipal user, BillingRunActions actions, CancellationToken ct) =>
            (await actions.Start(body.StatementDate, Actor.Of(user), ct)).ToResult()).RequireAuthorization(Policies.Operator);

        // The run with the first page of its halted accounts; GET …/halted pages on.
        runs.MapGet("/{runId:guid}", async (Guid runId, BillingRunProgress progress, CancellationToken ct) =>
        {
            if (await progress.Get(runId, ct) is not { } view)
                return NoSuchRun(runId);
            var halted = view.Halted == 0 ? [] : await progress.Halted(runId, null, "", HaltedOnRunPage, ct);
            return Results.Ok(view with { HaltedAccounts = halted, HaltedNext = halted.Count == HaltedOnRunPage ? $"/billing/runs/{runId}/halted?after={Uri.EscapeDataString(halted[^1].AccountId)}" : null });
        }).RequireAuthorization(Policies.Staff);

        runs.MapGet("/{runId:guid}/halted", async (Guid runId, string? step, string? after, int? limit, BillingRunProgress progress,
            CancellationToken ct) =>
        {
            if (step is not null && !BillingSteps.IsKnown(step))
                return UnknownStep(step);
            if (limit is < 1 or > MaxPage)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxPage}."] });
            if (await progress.DateOf(runId, ct) is null)
                return NoSuchRun(runId);
            var page = await progress.Halted(runId, step, after ?? "", limit ?? 100, ct);
            return Results.Ok(new { accounts = page, next = page.Count == (limit ?? 100) ? page[^1].AccountId : null });
        }).RequireAuthorization(Policies.Staff);

        runs.MapPost("/{runId:guid}/accounts/{accountId}/resume", async (Guid runId, string accountId, ClaimsPrincipal user,
            BillingRunActions actions, CancellationToken ct) =>
            (await actions.ResumeAccount(runId, accountId, Actor.Of(user), ct)).ToResult()).RequireAuthorization(Policies.Operator);

        runs.MapPost("/{runId:guid}/pause", async (Guid runId, ClaimsPrincipal user, BillingRunActions actions, CancellationToken ct) =>
            (await actions.Pause(runId, Actor.Of(user), ct)).ToResult()).RequireAuthorization(Policies.Operator)
            .WithSummary("Stop the run starting more accounts; those started finish.");
        runs.MapPost("/{runId:guid}/continue", async (Guid runId, ClaimsPrincipal user, BillingRunActions actions, CancellationToken ct) =>
            (await actions.Continue(runId, Actor.Of(user), ct)).ToResult()).RequireAuthorization(Policies.Operator)
            .WithSummary("Continue a paused run after the last account it started.");

        // Resumes every account halted at the step, page by page.
        runs.MapPost("/{runId:guid}/resume", async (Guid runId, string? step, ClaimsPrincipal user, BillingRunActions actions, CancellationToken ct) =>
            (await actions.ResumeHalted(runId, step, Actor.Of(user), ct)).ToResult()).RequireAuthorization(Policies.Operator);
        return app;
    }

    static IResult NoSuchRun(Guid runId) => BillingRunActions.NoSuchRun(runId).ToResult();

    static IResult UnknownStep(string? step) => BillingRunActions.UnknownStep(step).ToResult();
}

using Billing.Contracts.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.BillingRuns.Steps;
using MassTransit;

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

        // Starting a date again answers with the same run: the run id comes from the date.
        runs.MapPost("/", async (StartRunBody body, IPublishEndpoint publish, TimeProvider clock, CancellationToken ct) =>
        {
            if (BillingRunRules.DateProblem(body.StatementDate, clock.GetUtcNow()) is { } problem)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["statementDate"] = [problem] },
                    title: "The billing run was not started.");
            var date = body.StatementDate!.Value;
            await publish.Publish(new StartBillingRun(date, "api"), ct);
            var runId = BillingIds.Run(date);
            return Results.Accepted($"/billing/runs/{runId}", new { runId, statementDate = date });
        });

        // The run with the first page of its halted accounts; GET …/halted pages on.
        runs.MapGet("/{runId:guid}", async (Guid runId, BillingRunProgress progress, CancellationToken ct) =>
        {
            if (await progress.Get(runId, ct) is not { } view)
                return NoSuchRun(runId);
            var halted = view.Halted == 0 ? [] : await progress.Halted(runId, null, "", HaltedOnRunPage, ct);
            return Results.Ok(view with { HaltedAccounts = halted, HaltedNext = halted.Count == HaltedOnRunPage ? $"/billing/runs/{runId}/halted?after={Uri.EscapeDataString(halted[^1].AccountId)}" : null });
        });

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
        });

        runs.MapPost("/{runId:guid}/accounts/{accountId}/resume", async (Guid runId, string accountId, BillingRunProgress progress,
            IPublishEndpoint publish, CancellationToken ct) =>
        {
            if (await progress.DateOf(runId, ct) is not { } date)
                return NoSuchRun(runId);
            var billingId = BillingIds.Billing(date, accountId);
            var state = await progress.StateOf(billingId, ct);
            if (state is null)
                return Results.Problem($"Account {accountId} is not in run {runId}.", statusCode: StatusCodes.Status404NotFound, title: "No such account in the run");
            if (state != "Halted")
                return Results.Problem($"Account {accountId} is {state}, not halted: there is nothing to resume.",
                    statusCode: StatusCodes.Status409Conflict, title: "Not halted");
            await publish.Publish(new ResumeBilling(billingId, "api"), ct);
            return Results.Accepted($"/billing/runs/{runId}", new { runId, accountId, resumed = true });
        });

        // Resumes every account halted at the step, page by page.
        runs.MapPost("/{runId:guid}/resume", async (Guid runId, string? step, BillingRunProgress progress, IPublishEndpoint publish,
            CancellationToken ct) =>
        {
            if (step is null || !BillingSteps.IsKnown(step))
                return UnknownStep(step);
            if (await progress.DateOf(runId, ct) is not { } date)
                return NoSuchRun(runId);
            var resumed = 0;
            for (var after = ""; ;)
            {
                var page = await progress.Halted(runId, step, after, MaxPage, ct);
                await Task.WhenAll(page.Select(a => publish.Publish(new ResumeBilling(BillingIds.Billing(date, a.AccountId), "api"), ct)));
                resumed += page.Count;
                if (page.Count < MaxPage)
                    break;
                after = page[^1].AccountId;
            }

            return Results.Accepted($"/billing/runs/{runId}", new { runId, step, resumed });
        });
        return app;
    }

    static IResult NoSuchRun(Guid runId) =>
        Results.Problem($"There is no billing run {runId}.", statusCode: StatusCodes.Status404NotFound, title: "No such run");

    static IResult UnknownStep(string? step) => Results.ValidationProblem(
        new Dictionary<string, string[]> { ["step"] = [$"'{step}' is not a step; one of: {string.Join(", ", BillingSteps.InOrder)}."] },
        title: "Say which step to resume.");
}

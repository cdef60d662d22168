using Billing.Contracts.BillingRuns;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.BillingRuns.Steps;
using Billing.Infrastructure.Postgres;
using MassTransit;
using Npgsql;

namespace Billing.Features.BillingRuns.Api;

/// <summary>What the run actions answer when accepted.</summary>
public sealed record BillingRunStarted(Guid RunId, DateOnly StatementDate);

public sealed record AccountResumed(Guid RunId, string AccountId, bool Resumed);

public sealed record HaltedAccountsResumed(Guid RunId, string? Step, int Resumed);

/// <param name="Status">The run's status now: paused, or fanning_out again.</param>
public sealed record BillingRunPaused(Guid RunId, string Status);

/// <summary>
/// Operators' actions on billing runs, for the REST endpoints and the dashboard alike: start a run, pause and continue
/// it, resume one halted account, or every account halted at a step. Each sends the saga its message in the actor's
/// name (or, for a pause, writes the run's status) and writes the audit entry; the saga ignores a resume of an account
/// that is no longer halted.
/// </summary>
public sealed class BillingRunActions(BillingRunProgress progress, IPublishEndpoint publish, AuditTrail audit, TimeProvider clock,
    NpgsqlDataSource db)
{
    const int Page = 500;

    /// <summary>Starting a date again answers with the same run: the run id comes from the date.</summary>
    public async Task<ActionOutcome> Start(DateOnly? statementDate, Actor actor, CancellationToken cancellationToken)
    {
        if (BillingRunRules.DateProblem(statementDate, clock.GetUtcNow()) is { } problem)
            return ActionOutcome.Invalid(new Dictionary<string, string[]> { ["statementDate"] = [problem] }, "The billing run was not started.");
        var date = statementDate!.Value;
        await publish.Publish(new StartBillingRun(date, actor.Name), cancellationToken);
        var runId = BillingIds.Run(date);
        await audit.Record(new AuditEntry(actor, "billing_run.start", "billing_run", runId.ToString(), After: new { statementDate = date }),
            cancellationToken);
        return ActionOutcome.Accepted($"/billing/runs/{runId}", new BillingRunStarted(runId, date));
    }

    /// <summary>
    /// Stops the run starting more accounts, after the page its fan-out has in hand; accounts already started finish
    /// their steps. Nothing is lost: <see cref="Continue"/> starts again after the last account published.
    /// </summary>
    public Task<ActionOutcome> Pause(Guid runId, Actor actor, CancellationToken cancellationToken) =>
        SetStatus(runId, from: "fanning_out", to: "paused", "billing_run.pause", actor, cancellationToken);

    public Task<ActionOutcome> Continue(Guid runId, Actor actor, CancellationToken cancellationToken) =>
        SetStatus(runId, from: "paused", to: "fanning_out", "billing_run.continue", actor, cancellationToken);

    async Task<ActionOutcome> SetStatus(Guid runId, string from, string to, string action, Actor actor, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            select status from billing.billing_run where run_id = $1 for update
            """, connection, transaction) { Parameters = { new() { Value = runId } } };
        var status = await command.ExecuteScalarAsync(cancellationToken) as string;
        if (status is null)
            return NoSuchRun(runId);
        if (status != from)
            return ActionOutcome.Conflict(to == "paused" ? "Not fanning out" : "Not paused", status == "fanned_out"
                ? $"Run {runId} has started every account already; there is nothing left to {(to == "paused" ? "pause" : "continue")}."
                : $"Run {runId} is {status}.");

        await connection.ExecuteAsync(transaction, "update billing.billing_run set status = $2 where run_id = $1", cancellationToken, runId, to);
        await audit.Record(new AuditEntry(actor, action, "billing_run", runId.ToString(), new { status }, new { status = to }),
            connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ActionOutcome.Accepted($"/billing/runs/{runId}", new BillingRunPaused(runId, to));
    }

    public async Task<ActionOutcome> ResumeAccount(Guid runId, string accountId, Actor actor, CancellationToken cancellationToken)
    {
        if (await progress.DateOf(runId, cancellationToken) is not { } date)
            return NoSuchRun(runId);
        var billingId = BillingIds.Billing(date, accountId);
        var state = await progress.StateOf(billingId, cancellationToken);
        if (state is null)
            return ActionOutcome.NotFound("No such account in the run", $"Account {accountId} is not in run {runId}.");
        if (state != "Halted")
            return ActionOutcome.Conflict("Not halted", $"Account {accountId} is {state}, not halted: there is nothing to resume.");

        // Recorded before it is sent: the account page tells "halted again" from "resume pending" by whether a halt came
        // after the request, and a saga quick enough could otherwise halt again before the entry was written.
        await audit.Record(new AuditEntry(actor, "billing.resume", "account_billing", $"{runId}/{accountId}", new { state },
            new { state = "resume_requested" }), cancellationToken);
        await publish.Publish(new ResumeBilling(billingId, actor.Name), cancellationToken);
        return ActionOutcome.Accepted($"/billing/runs/{runId}", new AccountResumed(runId, accountId, true));
    }

    /// <summary>Resumes every account halted at the step, page by page; one audit entry per account.</summary>
    public async Task<ActionOutcome> ResumeHalted(Guid runId, string? step, Actor actor, CancellationToken cancellationToken)
    {
        if (step is null || !BillingSteps.IsKnown(step))
            return UnknownStep(step);
        if (await progress.DateOf(runId, cancellationToken) is not { } date)
            return NoSuchRun(runId);

        var resumed = 0;
        for (var after = ""; ;)
        {
            var page = await progress.Halted(runId, step, after, Page, cancellationToken);
            await Task.WhenAll(page.Select(a => publish.Publish(new ResumeBilling(BillingIds.Billing(date, a.AccountId), actor.Name), cancellationToken)));
            await audit.Record(page.Select(a => new AuditEntry(actor, "billing.resume_step", "account_billing", $"{runId}/{a.AccountId}",
                new { state = "Halted", step, reason = a.Reason }, new { state = "resume_requested" })), cancellationToken);
            resumed += page.Count;
            if (page.Count < Page)
                break;
            after = page[^1].AccountId;
        }
        return ActionOutcome.Accepted($"/billing/runs/{runId}", new HaltedAccountsResumed(runId, step, resumed));
    }

    public static ActionOutcome NoSuchRun(Guid runId) => ActionOutcome.NotFound("No such run", $"There is no billing run {runId}.");

    public static ActionOutcome UnknownStep(string? step) => ActionOutcome.Invalid(
        new Dictionary<string, string[]> { ["step"] = [$"'{step}' is not a step; one of: {string.Join(", ", BillingSteps.InOrder)}."] },
        "Say which step to resume.");
}

using Billing.Features.Access;
using Billing.Features.BillingRuns.Api;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.Dashboard.Actions;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages.Runs;

public sealed record RunProgressModel(BillingRunView View, IReadOnlyList<HaltedAccount> Halted, bool CanOperate)
{
    /// <summary>Nothing will change without someone acting: the page stops polling.</summary>
    public bool Final => View.Complete && View.Halted == 0;
}

public sealed class RunModel(BillingRunProgress progress, DashboardQueries queries, BillingRunActions actions) : DashboardPage
{
    public const int HaltedShown = 200;

    [FromRoute]
    public Guid RunId { get; set; }

    [FromQuery]
    public string? Account { get; set; }

    public RunProgressModel Progress { get; private set; } = null!;

    public IReadOnlyList<StatementRow> Statements { get; private set; } = [];

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        if (await Load(ct) is not { } found)
            return NotFoundPage($"No billing run {RunId}.");
        Progress = found;
        Statements = await queries.Statements(RunId, string.IsNullOrWhiteSpace(Account) ? null : Account.Trim(), 25, ct);
        return Page();
    }

    /// <summary>The live part of the page, for its polling.</summary>
    public async Task<IActionResult> OnGetProgress(CancellationToken ct) =>
        await Load(ct) is { } found ? Partial("_RunProgress", found) : NotFound();

    public async Task<IActionResult> OnPostResume(string accountId, CancellationToken ct)
    {
        var target = new AuditTarget("billing.resume", "account_billing", $"{RunId}/{accountId}");
        if (await RefusedUnless(Policies.Operator, target) is { } refused)
            return refused;
        await Tell(await actions.ResumeAccount(RunId, accountId, Actor, ct), $"Resume of {accountId} requested.", target);
        return RedirectToPage(new { RunId });
    }

    /// <summary>
    /// Asks first, with the number of accounts halted at the step now, by reason, and warns of the reasons a resume
    /// cannot clear; the confirmed post resumes only if that number still holds.
    /// </summary>
    public async Task<IActionResult> OnPostResumeStep(string step, CancellationToken ct)
    {
        var target = new AuditTarget("billing.resume_step", "billing_run", $"{RunId}/{step}");
        if (await RefusedUnless(Policies.Operator, target) is { } refused)
            return refused;
        if (await progress.Get(RunId, ct) is { } run)
        {
            var reasons = run.ByStateAndStep.Where(c => c.State == "Halted" && c.Step == step)
                .GroupBy(c => c.Reason ?? "unknown").Select(g => (Reason: g.Key, Count: g.Sum(c => c.Count))).OrderByDescending(r => r.Count).ToList();
            var count = reasons.Sum(r => r.Count);
            var warnings = reasons.Select(r => HaltReasons.Warning(r.Reason)).OfType<string>().ToList();
            if (count > 0 && Unconfirmed(new Confirmation(
                    $"Resume {count:N0} account{(count == 1 ? "" : "s")} halted at {step}{(warnings.Count > 0 ? $" ({string.Join("; ", warnings)})" : "")}?",
                    $"Each goes through step {step} again. Halted for: {string.Join(", ", reasons.Select(r => $"{r.Reason} {r.Count:N0}"))}.",
                    count.ToString(), $"Yes, resume {count:N0}", Danger: warnings.Count > 0)) is { } ask)
                return ask;
        }
        var outcome = await actions.ResumeHalted(RunId, step, Actor, ct);
        await Tell(outcome, $"Resume of {(outcome.Body as HaltedAccountsResumed)?.Resumed} account(s) halted at {step} requested.", target);
        return RedirectToPage(new { RunId });
    }

    public Task<IActionResult> OnPostPause(CancellationToken ct) =>
        SetStatus("billing_run.pause", "fanning_out", run => new Confirmation($"Pause the billing run for {run.StatementDate:yyyy-MM-dd}?",
                $"It starts no more accounts: {run.Total - run.Published:N0} not started yet wait until someone continues the run; "
                + $"the {run.InProgress:N0} in progress finish.", run.Status, "Yes, pause the run", Danger: true),
            () => actions.Pause(RunId, Actor, ct), "Paused: the run starts no more accounts; those started finish.", ct);

    public Task<IActionResult> OnPostContinue(CancellationToken ct) =>
        SetStatus("billing_run.continue", "paused", run => new Confirmation($"Continue the billing run for {run.StatementDate:yyyy-MM-dd}?",
                $"It starts the {run.Total - run.Published:N0} accounts not started yet, after the last one it started.", run.Status,
                "Yes, continue the run", Danger: false),
            () => actions.Continue(RunId, Actor, ct), "Continued: the run starts accounts again after the last one it started.", ct);

    async Task<IActionResult> SetStatus(string action, string from, Func<BillingRunView, Confirmation> question, Func<Task<ActionOutcome>> act,
        string accepted, CancellationToken ct)
    {
        var target = new AuditTarget(action, "billing_run", RunId.ToString());
        if (await RefusedUnless(Policies.Operator, target) is { } refused)
            return refused;
        // Asked only of a run the action can change; anything else goes to the action, which refuses it.
        if (await progress.Get(RunId, ct) is { } run && run.Status == from && Unconfirmed(question(run)) is { } ask)
            return ask;
        await Tell(await act(), accepted, target);
        return RedirectToPage(new { RunId });
    }

    async Task<RunProgressModel?> Load(CancellationToken ct)
    {
        if (await progress.Get(RunId, ct) is not { } view)
            return null;
        var halted = view.Halted == 0 ? [] : await progress.Halted(RunId, null, "", HaltedShown, ct);
        return new RunProgressModel(view, halted, CanOperate);
    }
}

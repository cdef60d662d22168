using Billing.Features.Access;
using Billing.Features.BillingRuns.Api;
using Billing.Features.BillingRuns.Runs;
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
            return NotFound();
        Progress = found;
        Statements = await queries.Statements(RunId, string.IsNullOrWhiteSpace(Account) ? null : Account.Trim(), 25, ct);
        return Page();
    }

    /// <summary>The live part of the page, for its polling.</summary>
    public async Task<IActionResult> OnGetProgress(CancellationToken ct) =>
        await Load(ct) is { } found ? Partial("_RunProgress", found) : NotFound();

    public async Task<IActionResult> OnPostResume(string accountId, CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        Tell(await actions.ResumeAccount(RunId, accountId, Actor, ct), $"Resume of {accountId} requested.");
        return RedirectToPage(new { RunId });
    }

    public async Task<IActionResult> OnPostResumeStep(string step, CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        var outcome = await actions.ResumeHalted(RunId, step, Actor, ct);
        Tell(outcome, $"Resume of {(outcome.Body as HaltedAccountsResumed)?.Resumed} account(s) halted at {step} requested.");
        return RedirectToPage(new { RunId });
    }

    public async Task<IActionResult> OnPostPause(CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        Tell(await actions.Pause(RunId, Actor, ct), "Paused: the run starts no more accounts; those started finish.");
        return RedirectToPage(new { RunId });
    }

    public async Task<IActionResult> OnPostContinue(CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        Tell(await actions.Continue(RunId, Actor, ct), "Continued: the run starts accounts again after the last one it started.");
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

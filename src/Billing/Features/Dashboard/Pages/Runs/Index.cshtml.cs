using System.Globalization;
using Billing.Features.Access;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Api;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.Dashboard.Actions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Billing.Features.Dashboard.Pages.Runs;

public sealed class RunsModel(DashboardQueries queries, BillingRunActions actions, IOptions<BillingRunOptions> options, TimeProvider clock)
    : DashboardPage
{
    /// <summary>
    /// How far back a date with no run is shown: a month of statement days, past the daily job's CatchUpDays, so a date the
    /// catch-up did not reach (or a catch-up that never ran) stays in sight until an operator bills it.
    /// </summary>
    public const int MissedWindowDays = 31;

    public IReadOnlyList<RunRow> Runs { get; private set; } = [];

    public IReadOnlyList<MissedRunDate> Missed { get; private set; } = [];

    public async Task OnGet(CancellationToken ct)
    {
        Runs = await queries.Runs(ct);
        // Up to yesterday in the billing time zone: today's run may still be waiting for the daily job.
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        Missed = await queries.DatesWithoutRun(today.AddDays(-MissedWindowDays), today.AddDays(-1), ct);
    }

    /// <summary>
    /// Starts the run of a date with none, as <c>POST /billing/runs</c> does (same rule, message and audit entry), after
    /// asking with the number of accounts it would bill.
    /// </summary>
    public async Task<IActionResult> OnPostStart(string? statementDate, CancellationToken ct)
    {
        var target = new AuditTarget("billing_run.start", "billing_run", statementDate ?? "");
        if (await RefusedUnless(Policies.Operator, target) is { } refused)
            return refused;
        DateOnly? date = DateOnly.TryParseExact(statementDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        // Bad input is a 400 naming the rule, on the dashboard's own page: nothing was started.
        if (BillingRunRules.DateProblem(date, clock.GetUtcNow()) is { } problem)
        {
            await Audit(target, StatusCodes.Status400BadRequest, problem);
            return ProblemPage(new DashboardProblem(StatusCodes.Status400BadRequest, "The billing run was not started.", problem));
        }
        var due = (await queries.DatesWithoutRun(date!.Value, date.Value, ct)).SingleOrDefault()?.AccountsDue ?? 0;
        if (Unconfirmed(new Confirmation($"Start the billing run for {date:yyyy-MM-dd}: bill {due:N0} account{(due == 1 ? "" : "s")}?",
                $"Each account due on {date:yyyy-MM-dd} gets its statement, delivered to the holder. A date's run bills an account once, however often it is started.",
                due.ToString(), $"Yes, bill {due:N0}", Danger: false)) is { } ask)
            return ask;
        var outcome = await actions.Start(date, Actor, ct);
        await Tell(outcome, $"Billing run for {date:yyyy-MM-dd} started.", target);
        return RedirectToPage();
    }
}

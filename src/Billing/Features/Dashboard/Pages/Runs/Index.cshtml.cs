using System.Globalization;
using Billing.Features.Access;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Api;
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

    /// <summary>Starts the run of a date with none, as <c>POST /billing/runs</c> does (same rule, message and audit entry).</summary>
    public async Task<IActionResult> OnPostStart(string? statementDate, CancellationToken ct)
    {
        if (!await Allowed(Policies.Operator))
            return Refused();
        DateOnly? date = DateOnly.TryParseExact(statementDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        var outcome = await actions.Start(date, Actor, ct);
        // Bad input is the API's 400 (naming the rule), not a flash: nothing was started.
        if (!outcome.IsAccepted)
            return new ResultActionResult(outcome.ToResult());
        Tell(outcome, $"Billing run for {date:yyyy-MM-dd} started.");
        return RedirectToPage();
    }

    sealed class ResultActionResult(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}

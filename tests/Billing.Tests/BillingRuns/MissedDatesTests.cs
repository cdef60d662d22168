using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// The daily job after an outage that kept every Hangfire server down over midnight (issue 19, W4): the dates since the
/// last run that have none are billed, oldest first, as far back as BillingRuns:CatchUpDays.
/// </summary>
public class MissedDatesTests
{
    [Theory]
    [InlineData(3, 7, new[] { -2, -1, 0 })]
    [InlineData(10, 4, new[] { -4, -3, -2, -1, 0 })]
    [InlineData(1, 7, new[] { 0 })]
    public async Task The_daily_job_starts_a_run_for_each_date_since_the_last_run_that_has_none_within_its_catch_up_days(
        int lastRunDaysAgo, int catchUpDays, int[] expected)
    {
        await using var stack = await BillingStack.Start();
        var today = BillingStack.Today;
        await stack.Stack.Execute("insert into billing.billing_run (run_id, statement_date, trigger, status) values ($1, $2, 'test', 'fanned_out')",
            BillingIds.Run(today.AddDays(-lastRunDaysAgo)), today.AddDays(-lastRunDaysAgo));
        await using var bus = await TestBus.Start(stack.Stack.Ground);
        var job = new BillingRunJob(bus.Bus, stack.Stack.Ground.DataSource,
            Options.Create(new BillingRunOptions { TimeZone = "UTC", CatchUpDays = catchUpDays }), TimeProvider.System, NullLogger<BillingRunJob>.Instance);

        await job.StartTodaysRun();

        var wanted = expected.Select(d => today.AddDays(d)).Append(today.AddDays(-lastRunDaysAgo)).Order().ToList();
        await Eventually.Until($"runs for {string.Join(", ", wanted)}", async () =>
            (await stack.Count("select count(*) from billing.billing_run")) == wanted.Count);
        await stack.Stack.WaitUntilIdle();
        (await stack.Stack.Query("select statement_date::text from billing.billing_run order by statement_date"))
            .ShouldBe(wanted.Select(d => d.ToString("yyyy-MM-dd")).ToList());
    }
}

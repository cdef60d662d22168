using Billing.Contracts.BillingRuns;
using Billing.Features.Scheduling;
using Hangfire;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// The daily Hangfire job: publishes the start of today's run (today in <see cref="BillingRunOptions.TimeZone"/>) and of
/// every earlier date since the last run that has none, up to <see cref="BillingRunOptions.CatchUpDays"/> back, and
/// returns. After an outage that kept every Hangfire server down over midnight, the skipped date is billed when the job
/// next runs instead of never (issue 19, W4); a date further back is logged and left to an operator (`Billing bill`).
/// Accounts in zones whose day has not begun yet wait in their saga for their own cut-off. A second firing publishes
/// the same starts under the same ids, which the inbox drops and the runs would ignore anyway.
/// </summary>
public sealed class BillingRunJob(IPublishEndpoint publish, NpgsqlDataSource dataSource, IOptions<BillingRunOptions> options, TimeProvider clock,
    ILogger<BillingRunJob> logger)
{
    public const string Name = "billing-run";

    [AutomaticRetry(Attempts = 5)]
    public async Task StartTodaysRun()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        foreach (var date in await DatesToStart(today))
        {
            var trigger = date == today ? "schedule" : "schedule (catch-up: no run for this date)";
            await publish.Publish(new StartBillingRun(date, trigger),
                c => c.MessageId = JobOccurrences.Id(Name, new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)));
            logger.LogInformation("Billing run for {StatementDate} published by the schedule{CatchUp}", date, date == today ? "" : " (a missed date)");
        }
    }

    /// <summary>Today and the dates without a run since the latest run before today, oldest first, at most CatchUpDays back.</summary>
    async Task<IReadOnlyList<DateOnly>> DatesToStart(DateOnly today)
    {
        await using var command = dataSource.CreateCommand("select max(statement_date) from billing.billing_run where statement_date < $1");
        command.Parameters.Add(new() { Value = today });
        if (await command.ExecuteScalarAsync() is not DateOnly latest)
            return [today];

        var earliest = today.AddDays(-Math.Max(0, options.Value.CatchUpDays));
        if (latest.AddDays(1) < earliest)
            logger.LogWarning("No billing run for {From} to {To}: more than {Days} days back, so not started by the schedule; start them with `Billing bill --date`",
                latest.AddDays(1), earliest.AddDays(-1), options.Value.CatchUpDays);
        var from = latest.AddDays(1) > earliest ? latest.AddDays(1) : earliest;
        var dates = new List<DateOnly>();
        for (var date = from; date <= today; date = date.AddDays(1))
            dates.Add(date);
        return dates;
    }
}

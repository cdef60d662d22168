using Billing.Contracts.BillingRuns;
using Billing.Features.Scheduling;
using Hangfire;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// The daily Hangfire job: publishes the start of today's run (today in <see cref="BillingRunOptions.TimeZone"/>) and
/// returns. Accounts in zones whose day has not begun yet wait in their saga for their own cut-off. A second firing
/// publishes the same start under the same id, which the inbox drops and the run would ignore anyway.
/// </summary>
public sealed class BillingRunJob(IPublishEndpoint publish, IOptions<BillingRunOptions> options, TimeProvider clock, ILogger<BillingRunJob> logger)
{
    public const string Name = "billing-run";

    [AutomaticRetry(Attempts = 5)]
    public async Task StartTodaysRun()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        await publish.Publish(new StartBillingRun(today, "schedule"), c => c.MessageId = JobOccurrences.Id(Name, new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)));
        logger.LogInformation("Billing run for {StatementDate} published by the schedule", today);
    }
}

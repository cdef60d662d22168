using Billing.Features.Scheduling;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Billing.Features.Ledger;

/// <summary>
/// The ledger audit as a Hangfire job: nightly (<see cref="LedgerAuditOptions.Cron"/>, an id per night, so a second firing
/// of the same night reports the first's result) and on demand (POST /ledger/audits, with the id the caller was given).
/// Not retried by Hangfire: a failed audit is recorded as failed, and the next one checks everything again. Violations
/// no audit reported before are mailed to support once (<see cref="LedgerViolationMail"/>).
/// </summary>
public sealed class LedgerAuditJob(LedgerAuditor auditor, LedgerViolationMail mail, IOptions<LedgerAuditOptions> options, TimeProvider clock)
{
    public const string Name = "ledger-audit";

    [AutomaticRetry(Attempts = 0)]
    public Task AuditOnSchedule()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
        var night = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        return AuditAndMail(JobOccurrences.Id(Name, new DateTimeOffset(night.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)), "schedule");
    }

    [AutomaticRetry(Attempts = 0)]
    public Task AuditNow(Guid auditId, string requestedBy) => AuditAndMail(auditId, requestedBy);

    async Task AuditAndMail(Guid auditId, string requestedBy)
    {
        var summary = await auditor.Run(auditId, requestedBy, CancellationToken.None);
        if (summary.Violations > 0)
            await mail.SendNew(auditId, CancellationToken.None);
    }
}

/// <summary>Section <c>Ledger:Audit</c>: when the nightly audit runs.</summary>
public sealed class LedgerAuditOptions
{
    public const string Section = "Ledger:Audit";

    public string Cron { get; set; } = "30 2 * * *";

    public string TimeZone { get; set; } = "UTC";
}

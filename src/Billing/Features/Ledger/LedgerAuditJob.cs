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
public sealed class LedgerAuditJob(LedgerAuditor auditor, ProviderLedgerCheck providers, LedgerViolationMail mail, IOptions<LedgerAuditOptions> options, TimeProvider clock)
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

    /// <summary>Asked for with a range: the provider's ledger is compared from <paramref name="providerFrom"/> on.</summary>
    [AutomaticRetry(Attempts = 0)]
    public Task AuditNow(Guid auditId, string requestedBy, DateTimeOffset providerFrom) => AuditAndMail(auditId, requestedBy, providerFrom);

    async Task AuditAndMail(Guid auditId, string requestedBy, DateTimeOffset? providerFrom = null)
    {
        providers.From = providerFrom;
        var summary = await auditor.Run(auditId, requestedBy, CancellationToken.None, providers);
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

    /// <summary>How far back refunds are checked against the provider's own ledger (entries booked since, refunds made since).</summary>
    public TimeSpan ProviderWindow { get; set; } = TimeSpan.FromDays(35);

    /// <summary>A refund the provider paid this recently may not have reached the passbook yet: not reported as unbooked.</summary>
    public TimeSpan ProviderGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Pages of 100 read from one provider at most; a longer list is a note on the audit, not checked.</summary>
    public int ProviderMaxPages { get; set; } = 1000;
}

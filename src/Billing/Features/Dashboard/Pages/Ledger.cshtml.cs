using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Features.Ledger;
using Hangfire;
using Microsoft.AspNetCore.Mvc;

namespace Billing.Features.Dashboard.Pages;

/// <summary>The ledger auditor's results: the latest audits with their violations by rule, and one audit's violations.</summary>
public sealed class LedgerModel(LedgerAuditor auditor) : DashboardPage
{
    public const int ViolationsShown = 200;

    [FromQuery(Name = "audit")] public Guid? AuditId { get; set; }

    public IReadOnlyList<LedgerAuditSummary> Audits { get; private set; } = [];
    public LedgerAuditSummary? Shown { get; private set; }
    public IReadOnlyList<LedgerViolationView> Violations { get; private set; } = [];

    public async Task<IActionResult> OnGet(CancellationToken ct)
    {
        Audits = await auditor.Summaries(null, 20, ct);
        Shown = AuditId is { } id ? (await auditor.Summaries(id, 1, ct)).SingleOrDefault() : Audits.FirstOrDefault();
        if (AuditId is not null && Shown is null)
            return NotFound();
        if (Shown is not null)
            Violations = await auditor.Violations(Shown.AuditId, ViolationsShown, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAudit([FromServices] IBackgroundJobClient jobs, [FromServices] AuditTrail audit, CancellationToken ct)
    {
        if (await RefusedUnless(Policies.Admin, new Actions.AuditTarget("ledger.audit", "ledger_audit", "-")) is { } refused)
            return refused;
        var auditId = await LedgerEndpoints.RequestAudit(Actor, jobs, audit, ct);
        Flash = $"Audit {auditId} requested; a worker starts it within seconds.";
        return RedirectToPage();
    }
}

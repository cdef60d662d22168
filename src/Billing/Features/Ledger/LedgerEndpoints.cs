using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Audit;
using Hangfire;
using Npgsql;

namespace Billing.Features.Ledger;

public sealed record LedgerViolationView(string Rule, string? AccountId, string Subject, decimal? Expected, decimal? Actual, string Detail);

public sealed record LedgerAuditView(LedgerAuditSummary Audit, IReadOnlyList<LedgerViolationView> Violations);

public sealed record LedgerAuditAccepted(Guid AuditId, string RequestedBy, DateTimeOffset? ProviderFrom = null);

/// <summary>POST /ledger/audits (an admin: audit now, on a worker), GET /ledger/audits and /ledger/audits/{id}.</summary>
public static class LedgerEndpoints
{
    const int ViolationsShown = 1000;

    // A provider lists refunds page by page; a range longer than this is a migration's job, not an audit's.
    static readonly TimeSpan LongestProviderRange = TimeSpan.FromDays(400);

    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var audits = app.MapGroup("/ledger/audits").WithTags("Ledger");
        audits.MapPost("", Request).RequireAuthorization(Policies.Admin)
            .WithSummary("Audit the whole ledger now (a worker runs it within seconds); answers 202 with where to follow it.");
        audits.MapGet("", Recent).RequireAuthorization(Policies.Staff).WithSummary("The latest audits with their violations by rule.");
        audits.MapGet("/{auditId:guid}", Get).RequireAuthorization(Policies.Staff)
            .WithSummary($"One audit's progress and its violations (the first {ViolationsShown}), each with its account, rule and figures.");
        return app;
    }

    /// <param name="providerFrom">
    /// How far back the provider's own ledger is compared with the passbook (default: <c>Ledger:Audit:ProviderWindow</c>
    /// back from now). The passbook's own rules always check everything.
    /// </param>
    static async Task<IResult> Request(DateTimeOffset? providerFrom, ClaimsPrincipal user, IBackgroundJobClient jobs, AuditTrail audit,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (providerFrom is { } from && (from > now || now - from > LongestProviderRange))
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["providerFrom"] = [from > now
                    ? $"The range starts in the future ({from:u}); an audit checks what has happened."
                    : $"The range starts more than {LongestProviderRange.TotalDays:N0} days back ({from:u}); audit a shorter one."],
            }, title: "No audit was started.");

        var actor = Actor.Of(user);
        var auditId = await RequestAudit(actor, jobs, audit, cancellationToken, providerFrom);
        return Results.Accepted($"/ledger/audits/{auditId}", new LedgerAuditAccepted(auditId, actor.Name, providerFrom));
    }

    /// <summary>An audit now, on a worker, recorded in the audit trail: the API's POST and the dashboard's button.</summary>
    public static async Task<Guid> RequestAudit(Actor actor, IBackgroundJobClient jobs, AuditTrail audit, CancellationToken cancellationToken,
        DateTimeOffset? providerFrom = null)
    {
        var auditId = Guid.NewGuid();
        if (providerFrom is { } from)
            jobs.Enqueue<LedgerAuditJob>(job => job.AuditNow(auditId, actor.Name, from));
        else
            jobs.Enqueue<LedgerAuditJob>(job => job.AuditNow(auditId, actor.Name));
        await audit.Record(new AuditEntry(actor, "ledger.audit", "ledger_audit", auditId.ToString(),
            After: new { status = "requested", providerFrom }), cancellationToken);
        return auditId;
    }

    static async Task<IResult> Recent(LedgerAuditor auditor, CancellationToken cancellationToken) =>
        Results.Ok(await auditor.Summaries(null, 20, cancellationToken));

    static async Task<IResult> Get(Guid auditId, LedgerAuditor auditor, CancellationToken cancellationToken)
    {
        if ((await auditor.Summaries(auditId, 1, cancellationToken)).SingleOrDefault() is not { } summary)
            return Results.Problem($"No ledger audit {auditId} has started (one requested a moment ago starts within seconds).",
                statusCode: StatusCodes.Status404NotFound, title: "Audit not found");

        var violations = await auditor.Violations(auditId, ViolationsShown, cancellationToken);
        return Results.Ok(new LedgerAuditView(summary, violations));
    }
}

public static class LedgerRegistration
{
    public static IServiceCollection AddLedgerAudits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LedgerAuditOptions>().Bind(configuration.GetSection(LedgerAuditOptions.Section))
            .Validate(o => o.ProviderWindow > TimeSpan.Zero && o.ProviderGrace >= TimeSpan.Zero && o.ProviderMaxPages > 0,
                $"{LedgerAuditOptions.Section}: ProviderWindow must be positive, ProviderGrace not negative, ProviderMaxPages at least 1.")
            .ValidateOnStart();
        services.AddSingleton<LedgerAuditor>();
        return services;
    }

    /// <summary>The worker role: the audit job itself, which mails support (the API only enqueues it).</summary>
    public static IServiceCollection AddLedgerAuditJob(this IServiceCollection services)
    {
        services.AddSingleton<LedgerViolationMail>();
        // Scoped like the job: the provider adapters' typed HTTP clients behind it are transient.
        services.AddScoped<ProviderLedgerCheck>();
        services.AddScoped<LedgerAuditJob>();
        return services;
    }
}

using Billing.Features.Refunds.Providers;
using Billing.Infrastructure.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.Ledger;

/// <summary>
/// The refund rules checked against the provider's own ledger where one can be listed (Stripe's <c>GET /v1/refunds</c>,
/// through the card adapter's own HTTP client; Swish has no list of refunds): the provider's refunds created in the last
/// <see cref="LedgerAuditOptions.ProviderWindow"/> are read in pages of 100 and compared, set-based, with the passbook's
/// refund entries booked in that window (<see cref="ProviderLedgerRules"/>). A provider that cannot be read in full is a
/// note on the audit and its rules are skipped: a partial list would report every refund it did not reach.
/// </summary>
public sealed class ProviderLedgerCheck(IEnumerable<IRefundLedger> ledgers, NpgsqlDataSource dataSource, IOptions<LedgerAuditOptions> options,
    TimeProvider clock, ILogger<ProviderLedgerCheck> logger)
{
    public const int PageSize = 100;

    // The provider makes a refund before we can book it, so the list starts this much before the entries checked: an entry
    // booked just after the window opened still finds its refund, whatever the two clocks say.
    static readonly TimeSpan ListMargin = TimeSpan.FromDays(1);

    /// <summary>Where the comparison starts when an audit asked for a range; null: <see cref="LedgerAuditOptions.ProviderWindow"/> back.</summary>
    public DateTimeOffset? From { get; set; }

    /// <summary>Records the violations of <paramref name="auditId"/>; returns the notes (what could not be checked and why).</summary>
    public async Task<IReadOnlyList<string>> Run(Guid auditId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var entriesFrom = From ?? now - settings.ProviderWindow;
        var notes = new List<string>();
        foreach (var ledger in ledgers)
        {
            var (refunds, note) = await Read(ledger, entriesFrom - ListMargin, settings.ProviderMaxPages, cancellationToken);
            if (note is not null)
            {
                notes.Add(note);
                logger.LogWarning("Ledger audit {AuditId}: {Note}", auditId, note);
                continue;
            }

            foreach (var rule in ProviderLedgerRules.All)
            {
                await using var command = dataSource.CreateCommand(rule.Sql + " on conflict do nothing");
                command.CommandTimeout = 600;
                command.Parameters.AddPositional(auditId, ledger.Method, entriesFrom, now - settings.ProviderGrace,
                    refunds.Select(r => r.ProviderRefundId).ToArray(), refunds.Select(r => r.PaymentId ?? "").ToArray(),
                    refunds.Select(r => r.RefundId ?? "").ToArray(), refunds.Select(r => r.Amount).ToArray(),
                    refunds.Select(r => r.Currency).ToArray(), refunds.Select(r => r.Status).ToArray(), refunds.Select(r => r.Created).ToArray());
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            logger.LogInformation("Ledger audit {AuditId}: {Count} {Method} refunds at the provider since {From} checked", auditId, refunds.Count,
                ledger.Method, entriesFrom - ListMargin);
        }
        return notes;
    }

    /// <summary>Every page from the newest on, or a note saying why the provider's list could not be read in full.</summary>
    static async Task<(List<ProviderRefund> Refunds, string? Note)> Read(IRefundLedger ledger, DateTimeOffset from, int maxPages,
        CancellationToken cancellationToken)
    {
        var refunds = new List<ProviderRefund>();
        string? after = null;
        for (var pages = 0; ; pages++)
        {
            if (pages == maxPages)
                return ([], $"{ledger.Method}: the provider lists more than {maxPages * PageSize} refunds since {from:yyyy-MM-dd HH:mm} UTC " +
                            $"(Ledger:Audit:ProviderMaxPages); refunds were not checked against it");
            var page = await ledger.ListRefundsAsync(from, after, PageSize, cancellationToken);
            if (page.Failure is { } failure)
                return ([], $"{ledger.Method}: the provider's list of refunds could not be read ({failure.Outcome} {failure.Code} {failure.Message}); " +
                            "refunds were not checked against it");
            refunds.AddRange(page.Refunds);
            if (!page.HasMore || page.Refunds.Count == 0)
                return (refunds, null);
            after = page.Refunds[^1].ProviderRefundId;
        }
    }
}

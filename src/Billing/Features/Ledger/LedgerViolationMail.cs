using System.Text;
using Billing.Features.Support;
using Npgsql;

namespace Billing.Features.Ledger;

/// <summary>
/// Mails support the violations an audit found that no audit mailed before (a violation is its rule and subject), in one
/// mail per audit. They are claimed first (recorded as mailed, in one statement, so two audits at once never both mail
/// one), then mailed; a mail that fails releases its claim, and the next audit that finds them mails them. A crash
/// between the claim and the mail loses that mail: the violations stay on the dashboard and in the metrics.
/// </summary>
public sealed class LedgerViolationMail(NpgsqlDataSource dataSource, ISupportMailer mailer, ILogger<LedgerViolationMail> logger)
{
    const int Listed = 50;

    /// <returns>How many violations were mailed.</returns>
    public async Task<int> SendNew(Guid auditId, CancellationToken cancellationToken)
    {
        await using var claim = dataSource.CreateCommand("""
            with claimed as (
                insert into billing.ledger_violation_mailed (rule, subject, account_id, first_audit_id)
                select rule, subject, account_id, $1 from billing.ledger_violation where audit_id = $1
                on conflict do nothing
                returning rule, subject)
            select v.rule, v.account_id, v.subject, v.detail
            from billing.ledger_violation v join claimed c on c.rule = v.rule and c.subject = v.subject
            where v.audit_id = $1
            order by v.rule, v.account_id, v.subject
            """);
        claim.Parameters.Add(new() { Value = auditId });
        var fresh = new List<(string Rule, string? Account, string Subject, string Detail)>();
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                fresh.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        if (fresh.Count == 0)
            return 0;

        try
        {
            await mailer.SendAsync(new SupportMail
            {
                Subject = $"Ledger audit: {fresh.Count} new violation(s) of {string.Join(", ", fresh.Select(v => v.Rule).Distinct())}",
                Body = Body(auditId, fresh),
                MessageId = auditId,
            }, cancellationToken);
            return fresh.Count;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Ledger audit {AuditId}: the mail of {Count} new violation(s) was not sent; the next audit sends it", auditId, fresh.Count);
            await using var release = dataSource.CreateCommand("delete from billing.ledger_violation_mailed where first_audit_id = $1");
            release.Parameters.Add(new() { Value = auditId });
            await release.ExecuteNonQueryAsync(CancellationToken.None);
            return 0;
        }
    }

    static string Body(Guid auditId, IReadOnlyList<(string Rule, string? Account, string Subject, string Detail)> fresh)
    {
        var body = new StringBuilder()
            .AppendLine($"The ledger audit {auditId} found {fresh.Count} violation(s) no earlier audit had reported.")
            .AppendLine($"All of them, with their figures: /dashboard/ledger?audit={auditId} (or GET /ledger/audits/{auditId}).")
            .AppendLine();
        foreach (var v in fresh.Take(Listed))
            body.AppendLine($"- {v.Rule}, account {v.Account ?? "-"}, {v.Subject}: {v.Detail}");
        if (fresh.Count > Listed)
            body.AppendLine($"... and {fresh.Count - Listed} more.");
        return body.ToString();
    }
}

using System.Text;
using Billing.Features.Support;
using Npgsql;

namespace Billing.Features.Ledger;

/// <summary>
/// Mails support the violations an audit found that no audit mailed before (a violation is its rule and subject), in one
/// mail per audit, then records them as mailed. Mailed first and recorded after: a crash between the two sends the mail
/// again with the same Message-ID (the audit's id), which mail clients show once; a mail that fails is sent by the next
/// audit that finds the same violations.
/// </summary>
public sealed class LedgerViolationMail(NpgsqlDataSource dataSource, ISupportMailer mailer, ILogger<LedgerViolationMail> logger)
{
    const int Listed = 50;

    /// <returns>How many violations were mailed.</returns>
    public async Task<int> SendNew(Guid auditId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select v.rule, v.account_id, v.subject, v.detail from billing.ledger_violation v
            where v.audit_id = $1
              and not exists (select 1 from billing.ledger_violation_mailed m where m.rule = v.rule and m.subject = v.subject)
            order by v.rule, v.account_id, v.subject
            """);
        command.Parameters.Add(new() { Value = auditId });
        var fresh = new List<(string Rule, string? Account, string Subject, string Detail)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
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
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Ledger audit {AuditId}: the mail of {Count} new violation(s) was not sent; the next audit sends it", auditId, fresh.Count);
            return 0;
        }

        await using var record = dataSource.CreateCommand("""
            insert into billing.ledger_violation_mailed (rule, subject, account_id, first_audit_id)
            select rule, subject, account_id, $1 from billing.ledger_violation where audit_id = $1
            on conflict do nothing
            """);
        record.Parameters.Add(new() { Value = auditId });
        await record.ExecuteNonQueryAsync(cancellationToken);
        return fresh.Count;
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

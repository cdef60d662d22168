using Billing.Features.Notifications;
using Billing.Features.StatementPdfs;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Reads a statement with its account and loan (and, for the PDF, the period's entries) in one round trip, on the consume
/// transaction's connection: a consumer that took a second connection while holding its first could, with every
/// channel's consumers doing so at once, empty the pool and wait for itself.
/// </summary>
public sealed class StatementRecipients(BillingDbContext db, IOptionsMonitor<DeliveryOptions> options, StatementLinks links)
{
    public async Task<StatementRecipient?> Load(Guid statementId, bool withLines, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        // Before the batch: its reader holds the connection until the end, and the first code reads the link key on it.
        var code = await links.Code(statementId, (NpgsqlConnection)db.Database.GetDbConnection(), cancellationToken);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
            select s.account_id, coalesce(s.holder_name, a.name), coalesce(s.locale, a.locale), s.currency, s.statement_date, s.due_date,
                   s.period_start, coalesce(s.time_zone, l.time_zone),
                   s.opening_balance, s.purchases, s.repayments, s.refunds, s.interest, s.fees, s.adjustments, s.closing_balance,
                   s.minimum_due, s.past_due, coalesce(s.credit_limit, l.credit_limit), coalesce(s.apr, l.apr), a.email, a.phone,
                   a.sms_opt_in, a.email_opt_in, a.whatsapp_opt_in, s.pdf_path, s.version,
                   (select c.created_at from billing.statement c where c.statement_id = s.corrects_statement_id)
            from billing.statement s
            join billing.account a using (account_id)
            join billing.loan l using (account_id)
            where s.statement_id = $1
            """, statementId));
        if (withLines)
            // What the statement shows, as frozen when it was billed (statement_line). A statement billed before the
            // snapshot existed (snapshot_at null) is drawn from the passbook as it was then: entries booked in its period
            // that no other statement posted, its own interest and fee, and late postings.
            batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
                select l.booked_on, l.kind, l.description, l.amount, l.line_no::bigint
                from billing.statement s join billing.statement_line l using (statement_id)
                where s.statement_id = $1 and s.snapshot_at is not null
                union all
                select (e.booked_at at time zone lo.time_zone)::date, e.kind, coalesce(e.description, ''), e.amount,
                       row_number() over (order by e.booked_at, e.entry_id)
                from billing.statement s
                join billing.loan lo on lo.account_id = s.account_id
                join billing.passbook_entry e on e.account_id = s.account_id and e.booked_at < s.cutoff
                where s.statement_id = $1 and s.snapshot_at is null
                  and (e.statement_id = s.statement_id
                       or (e.statement_id is null and (e.booked_at >= s.period_start or e.recorded_at > (
                           select max(p.created_at) from billing.statement p
                           where p.account_id = s.account_id and p.statement_date < s.statement_date))))
                order by 5
                """, statementId));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var accountId = reader.GetString(0);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(reader.GetString(7));
        var head = new
        {
            AccountId = accountId,
            Name = reader.GetString(1),
            Locale = reader.GetString(2),
            Currency = reader.GetString(3).Trim(),
            StatementDate = reader.GetFieldValue<DateOnly>(4),
            DueDate = reader.GetFieldValue<DateOnly>(5),
            PeriodStart = LocalDate(reader.GetFieldValue<DateTimeOffset>(6), zone),
        };
        decimal M(int ordinal) => reader.GetDecimal(ordinal);
        var figures = (Opening: M(8), Purchases: M(9), Repayments: M(10), Refunds: M(11), Interest: M(12), Fees: M(13),
            Adjustments: M(14), Closing: M(15), Minimum: M(16), PastDue: M(17), Limit: M(18), Apr: M(19));
        var contacts = (Email: Text(reader, 20), Phone: Text(reader, 21), Sms: reader.GetBoolean(22), Mail: reader.GetBoolean(23),
            WhatsApp: reader.GetBoolean(24), Pdf: Text(reader, 25));
        var correction = reader.IsDBNull(27) ? null
            : new StatementCorrection(reader.GetInt32(26), DateOnly.FromDateTime(reader.GetFieldValue<DateTimeOffset>(27).UtcDateTime));

        var lines = new List<StatementLine>();
        if (withLines && await reader.NextResultAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                lines.Add(new StatementLine(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3)));

        var document = new StatementDocument(statementId, accountId, head.Name, head.Locale, head.Currency, head.PeriodStart,
            head.StatementDate, head.DueDate, figures.Opening, figures.Purchases, figures.Repayments, figures.Refunds,
            figures.Interest, figures.Fees, figures.Adjustments, figures.Closing, figures.Minimum, figures.PastDue, figures.Limit,
            figures.Apr, PaymentReference.For(accountId), lines, correction);
        var link = $"{options.CurrentValue.LinkBaseUrl.TrimEnd('/')}/s/{code}";
        var notice = new StatementNotice(statementId, accountId, head.Name, head.Locale, head.Currency, head.StatementDate,
            figures.Closing, figures.Minimum, head.DueDate, link, correction);
        return new StatementRecipient(document, notice, contacts.Email, contacts.Phone, contacts.Sms, contacts.Mail,
            contacts.WhatsApp, contacts.Pdf);
    }

    static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

using Billing.Features.Passbook;
using Billing.Features.Refunds.Saga;
using Npgsql;

namespace Billing.Features.Dashboard;

public sealed record Holder(string AccountId, string Name, string? Email, string? Phone, bool SmsOptIn, bool EmailOptIn, bool WhatsAppOptIn,
    string Locale, DateTimeOffset CreatedAt);

public sealed record LoanTerms(string Currency, decimal CreditLimit, decimal Apr, string DayCount, int StatementDay, string TimeZone,
    decimal MinimumPercent, decimal MinimumFloor, decimal LateFee, int DueDays, DateOnly OpenedOn);

public sealed record AccountDelivery(string Channel, string Status, string? Recipient, DateTimeOffset? SettledAt);

public sealed record AccountStatement(Guid StatementId, DateOnly StatementDate, int Version, Guid? RunId, string Currency, decimal OpeningBalance,
    decimal ClosingBalance, decimal MinimumDue, DateOnly DueDate, bool HasPdf, string? DeliveryStatus, List<AccountDelivery> Deliveries);

/// <param name="RefundStatus">The excess refund's saga status (the refund page's), null before the saga has it.</param>
public sealed record AccountRepayment(string GatewayPaymentId, string Source, string Method, decimal Amount, string Currency, DateTimeOffset PaidAt,
    Guid? ExcessRefundId, decimal? ExcessAmount, string? ExcessStatus, string? RefundStatus);

public sealed record AccountRefund(Guid RefundId, string PaymentId, decimal Amount, string Currency, string Method, string Status,
    DateTimeOffset RequestedAt);

public sealed record PassbookLine(long EntryId, string Kind, decimal Amount, string Currency, DateTimeOffset BookedAt, string ExternalRef,
    string? Description, decimal RunningBalance);

/// <summary>
/// What the account page shows of one account, each part one indexed read by account id (migrations/0032); the balance
/// comes from <see cref="BalanceEndpoint.Read"/>, so the page and <c>GET /accounts/{id}/balance</c> cannot disagree.
/// </summary>
public sealed class AccountQueries(NpgsqlDataSource db)
{
    public async Task<(Holder Holder, LoanTerms? Loan)?> Holder(string accountId, CancellationToken ct)
    {
        var rows = await Rows("""
            select a.account_id, a.name, a.email, a.phone, a.sms_opt_in, a.email_opt_in, a.whatsapp_opt_in, a.locale, a.created_at,
                   trim(l.currency), l.credit_limit, l.apr, l.day_count, l.statement_day, l.time_zone, l.minimum_percent, l.minimum_floor,
                   l.late_fee, l.due_days, l.opened_on
            from billing.account a left join billing.loan l on l.account_id = a.account_id
            where a.account_id = $1
            """, r => (new Holder(r.GetString(0), r.GetString(1), Maybe(r, 2), Maybe(r, 3), r.GetBoolean(4), r.GetBoolean(5), r.GetBoolean(6),
                r.GetString(7), r.GetFieldValue<DateTimeOffset>(8)),
            r.IsDBNull(9) ? null : new LoanTerms(r.GetString(9), r.GetDecimal(10), r.GetDecimal(11), r.GetString(12), r.GetInt16(13),
                r.GetString(14), r.GetDecimal(15), r.GetDecimal(16), r.GetDecimal(17), r.GetInt16(18), r.GetFieldValue<DateOnly>(19))),
            ct, accountId);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Every statement of the account over every run, newest first, re-issues beside the version they correct.</summary>
    public async Task<List<AccountStatement>> Statements(string accountId, CancellationToken ct)
    {
        var statements = await Rows("""
            select statement_id, statement_date, version, run_id, trim(currency), opening_balance, closing_balance, minimum_due, due_date,
                   pdf_path is not null, delivery_status
            from billing.statement where account_id = $1 order by statement_date desc, version desc
            """, r => new AccountStatement(r.GetGuid(0), r.GetFieldValue<DateOnly>(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetGuid(3),
            r.GetString(4), r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7), r.GetFieldValue<DateOnly>(8), r.GetBoolean(9), Maybe(r, 10), []), ct, accountId);
        var deliveries = await Rows("""
            select d.statement_id, d.channel, d.status, d.recipient, d.settled_at
            from billing.statement s join billing.delivery d on d.statement_id = s.statement_id
            where s.account_id = $1 order by d.channel
            """, r => (r.GetGuid(0), new AccountDelivery(r.GetString(1), r.GetString(2), Maybe(r, 3),
            r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4))), ct, accountId);
        var byStatement = statements.ToDictionary(s => s.StatementId);
        foreach (var (statementId, delivery) in deliveries)
            byStatement[statementId].Deliveries.Add(delivery);
        return statements;
    }

    /// <summary>The repayments booked on the account now (a moved payment shows where it went), each with its excess refund.</summary>
    public Task<List<AccountRepayment>> Repayments(string accountId, CancellationToken ct) => Rows("""
        select r.gateway_payment_id, r.source, r.method, r.amount, trim(r.currency), r.paid_at, x.refund_id, x.amount, x.status, f.current_state
        from billing.repayment r
        left join lateral (select * from billing.excess_refund x where x.gateway_payment_id = r.gateway_payment_id and x.account_id = r.account_id
                           order by x.move_no desc limit 1) x on true
        left join refunds.refund f on f.correlation_id = x.refund_id
        where r.account_id = $1 order by r.paid_at desc
        """, r => new AccountRepayment(r.GetString(0), r.GetString(1), r.GetString(2), PassbookMoney.Normalize(r.GetDecimal(3), r.GetString(4)),
        r.GetString(4), r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetGuid(6),
        r.IsDBNull(7) ? null : PassbookMoney.Normalize(r.GetDecimal(7), r.GetString(4)), Maybe(r, 8),
        r.IsDBNull(9) ? null : RefundStatus.OfState(r.GetString(9))), ct, accountId);

    /// <summary>Refunds of the account's payments: excesses and those other systems asked for, by the payment they refund.</summary>
    public Task<List<AccountRefund>> Refunds(string accountId, CancellationToken ct) => Rows("""
        select f.correlation_id, f.payment_id, f.amount, trim(f.currency), f.method, f.current_state, f.requested_at
        from refunds.refund f
        where f.payment_id in (select gateway_payment_id from billing.repayment where account_id = $1
                               union select gateway_payment_id from billing.excess_refund where account_id = $1)
        order by f.requested_at desc
        """, r => new AccountRefund(r.GetGuid(0), r.GetString(1), PassbookMoney.Normalize(r.GetDecimal(2), r.GetString(3)), r.GetString(3),
        r.GetString(4), RefundStatus.OfState(Maybe(r, 5)), r.GetFieldValue<DateTimeOffset>(6)), ct, accountId);

    /// <summary>
    /// One page of the passbook, newest first, each line with the balance after it: the running sum is taken over the
    /// whole account in booking order before the page is cut, so page 3 shows the same balances as page 1 leads to.
    /// </summary>
    public async Task<(List<PassbookLine> Lines, bool More)> Passbook(string accountId, int page, int pageSize, CancellationToken ct)
    {
        var lines = await Rows("""
            select entry_id, kind, amount, trim(currency), booked_at, external_ref, description,
                   sum(amount) over (order by booked_at, entry_id)
            from billing.passbook_entry where account_id = $1
            order by booked_at desc, entry_id desc offset $2 limit $3
            """, r => new PassbookLine(r.GetInt64(0), r.GetString(1), PassbookMoney.Normalize(r.GetDecimal(2), r.GetString(3)), r.GetString(3),
            r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), Maybe(r, 6), PassbookMoney.Normalize(r.GetDecimal(7), r.GetString(3))),
            ct, accountId, (page - 1) * pageSize, pageSize + 1);
        var more = lines.Count > pageSize;
        return (more ? lines.GetRange(0, pageSize) : lines, more);
    }

    /// <summary>
    /// The accounts refunded payments belong to (a repayment booked there, or its excess), for the refund pages' links;
    /// a payment billing never booked (a refund another system asked for) has none.
    /// </summary>
    public async Task<Dictionary<string, string>> AccountsOfPayments(IReadOnlyCollection<string> paymentIds, CancellationToken ct)
    {
        // One array parameter: a bare string[] would spread over params object[], one parameter per id.
        var ids = (object)paymentIds.Distinct().ToArray();
        var rows = await Rows("""
            select gateway_payment_id, account_id from billing.repayment where gateway_payment_id = any($1)
            union all select gateway_payment_id, account_id from billing.excess_refund where gateway_payment_id = any($1)
            """, r => (Payment: r.GetString(0), Account: r.GetString(1)), ct, ids);
        return rows.DistinctBy(r => r.Payment).ToDictionary(r => r.Payment, r => r.Account);
    }

    static string? Maybe(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    Task<List<T>> Rows<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken ct, params object[] parameters) =>
        DashboardQueries.Rows(db, sql, map, ct, parameters);
}

using System.Text.RegularExpressions;
using Billing.Features.Refunds.Saga;
using Npgsql;

namespace Billing.Features.Dashboard;

/// <param name="Kind">What matched: account, refund or statement (the page it leads to).</param>
/// <param name="By">Which key matched: account id, name, e-mail, phone, payment id, refund id, provider refund id, statement id.</param>
public sealed record SearchHit(string Kind, string By, string Href, string Title, string Detail);

/// <summary>The search's answer: hits, or a problem with the query itself (said on the page, never a 500).</summary>
public sealed record SearchResult(IReadOnlyList<SearchHit> Hits, string? Problem);

/// <summary>
/// The header's search: one text, tried as every key support is given on a call. Each key is one index scan at a million
/// accounts (migrations/0032_dashboard_search.sql; docs/benchmarks.md has the plans): ids by primary key, a name by a
/// prefix of lower(name), an e-mail by lower(email), a phone by its E.164 digits.
/// </summary>
public sealed partial class DashboardSearch(NpgsqlDataSource db)
{
    public const int MaxLength = 200;

    /// <summary>At most this many holders whose name starts with the text: a list to pick from, not a report.</summary>
    public const int MaxNames = 50;

    public async Task<SearchResult> Find(string? text, CancellationToken ct)
    {
        var query = text?.Trim() ?? "";
        if (query.Length == 0)
            return new([], "Type an account id, a name, an e-mail, a phone number, a payment id, a refund id or a statement id.");
        if (query.Length > MaxLength)
            return new([], $"That is {query.Length} characters; a search takes at most {MaxLength}.");

        // A guid is a refund's or a statement's id, never a name or a payment id worth a scan.
        var id = Guid.TryParse(query, out var parsed) ? parsed : (Guid?)null;
        var phone = Phone(query);
        // The name's like finds its index because the API plans each statement with its values (no auto-prepare:
        // BillingHost.Api); a generic plan could not read a prefix from a parameter.
        var hits = await DashboardQueries.Rows(db, """
            select 'account', 'account id', account_id, name, coalesce(email, '') from billing.account where account_id = $1
            union all
            (select 'account', 'name', account_id, name, coalesce(email, '') from billing.account
             where lower(name) collate "C" like lower($2) escape '\' order by lower(name) collate "C", account_id limit $5)
            union all
            select 'account', 'e-mail', account_id, name, coalesce(email, '') from billing.account where lower(email) = lower($1)
            union all
            select 'account', 'phone', account_id, name, coalesce(phone, '') from billing.account where $3::text is not null and phone = $3
            union all
            select 'account', 'payment id', r.account_id, a.name, r.gateway_payment_id
            from billing.repayment r join billing.account a on a.account_id = r.account_id where r.gateway_payment_id = $1
            union all
            select 'refund', 'payment id', correlation_id::text, payment_id, current_state from refunds.refund where payment_id = $1
            union all
            select 'refund', 'provider refund id', correlation_id::text, payment_id, current_state from refunds.refund where provider_refund_id = $1
            union all
            select 'refund', 'refund id', correlation_id::text, payment_id, current_state from refunds.refund where correlation_id = $4
            union all
            select 'statement', 'statement id', s.statement_id::text, a.name, s.account_id || ' · ' || s.statement_date
            from billing.statement s join billing.account a on a.account_id = s.account_id where s.statement_id = $4
            """, r => (Kind: r.GetString(0), By: r.GetString(1), Id: r.GetString(2), Title: r.GetString(3), Detail: r.GetString(4)), ct,
            query, Prefix(query), (object?)phone ?? DBNull.Value, (object?)id ?? DBNull.Value, MaxNames);

        // The payment id of a repayment leads to its account, which lists its refunds; refunds by payment id alone are for
        // payments billing never booked (refunds other systems asked for).
        var repaid = hits.Any(h => h is { Kind: "account", By: "payment id" });
        return new(hits
            .Where(h => !(repaid && h is { Kind: "refund", By: "payment id" }))
            .Select(h => h.Kind switch
            {
                "account" => new SearchHit(h.Kind, h.By, $"/dashboard/accounts/{Uri.EscapeDataString(h.Id)}", h.Title, $"{h.Id} · {h.Detail}"),
                "refund" => new SearchHit(h.Kind, h.By, $"/dashboard/refunds/{h.Id}", $"Refund {h.Id}", $"{h.Title} · {RefundStatus.OfState(h.Detail)}"),
                _ => new SearchHit(h.Kind, h.By, $"/dashboard/statements/{h.Id}", $"Statement of {h.Title}", h.Detail),
            })
            .DistinctBy(h => h.Href)
            .ToList(), null);
    }

    /// <summary>A LIKE pattern for names starting with the text, its own % and _ taken literally.</summary>
    static string Prefix(string query) => query.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

    /// <summary>The text as stored phones are (E.164: + and digits), if it reads as a phone number with spaces or dashes.</summary>
    static string? Phone(string query) =>
        PhoneLike().IsMatch(query) ? "+" + new string(query.Where(char.IsAsciiDigit).ToArray()).TrimStart('0') : null;

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-.]{5,30}$")]
    private static partial Regex PhoneLike();
}

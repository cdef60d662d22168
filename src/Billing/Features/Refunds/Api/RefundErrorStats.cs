using Billing.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Api;

/// <summary>Failed attempts on one day, for one method and cause.</summary>
public sealed record FailedAttemptsRow(DateOnly Day, string Method, string Cause, int Attempts, int Refunds);

/// <summary>Refunds waiting on someone now (Failed or NeedsSupport), by method, last cause and currency.</summary>
public sealed record OpenFailuresRow(string Status, string Method, string Cause, string Currency, int Refunds, decimal Amount);

/// <summary>Refunds the provider paid twice (the alarm), by method and currency: money to recover by hand.</summary>
public sealed record PaidTwiceRow(string Method, string Currency, int Refunds, decimal Amount);

public sealed record RefundErrorStatsView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<FailedAttemptsRow> FailedAttempts,
    IReadOnlyList<OpenFailuresRow> Open, IReadOnlyList<PaidTwiceRow> PaidTwice);

/// <summary>Error statistics for support and analytics: what fails, for which method, how often, and what is stuck now.</summary>
public sealed class RefundErrorStats(BillingDbContext db)
{
    public async Task<RefundErrorStatsView> Get(DateTimeOffset from, DateTimeOffset to, string? method, CancellationToken cancellationToken)
    {
        var attempts = await db.Database.SqlQuery<FailedAttemptsRow>($"""
            select (attempted_at at time zone 'UTC')::date as "Day", method as "Method", coalesce(error_code, outcome) as "Cause",
                   count(*)::int as "Attempts", count(distinct refund_id)::int as "Refunds"
            from refunds.refund_attempt
            where outcome <> 'paid' and attempted_at >= {from} and attempted_at < {to} and ({method}::text is null or method = {method})
            group by 1, 2, 3
            order by 1 desc, 4 desc
            """).ToListAsync(cancellationToken);

        var open = await db.Database.SqlQuery<OpenFailuresRow>($"""
            select case current_state when 'Failed' then 'failed' else 'needs_support' end as "Status", method as "Method",
                   coalesce(last_error_code, 'unknown') as "Cause", currency as "Currency",
                   count(*)::int as "Refunds", sum(amount) as "Amount"
            from refunds.refund
            where current_state in ('Failed', 'NeedsSupport') and ({method}::text is null or method = {method})
            group by 1, 2, 3, 4
            order by 5 desc
            """).ToListAsync(cancellationToken);

        var paidTwice = await db.Database.SqlQuery<PaidTwiceRow>($"""
            select method as "Method", trim(currency) as "Currency", count(*)::int as "Refunds", sum(amount) as "Amount"
            from refunds.refund
            where paid_twice_at is not null and ({method}::text is null or method = {method})
            group by 1, 2
            order by 3 desc
            """).ToListAsync(cancellationToken);

        return new RefundErrorStatsView(from, to, attempts, open, paidTwice);
    }
}

using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Saga;

/// <summary>
/// Keeps a refused RequestRefund from a caller that did not wait for the answer (refunds.rejected_request), in the
/// saga's transaction: the refund itself is never stored, so this row is all that remembers it. The same refusal
/// seen again is kept once.
/// </summary>
public static class RejectedRequests
{
    public static Task Keep(BillingDbContext db, RequestRefund request, RefundRejected rejection, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Whatever the caller sent is kept as far as the columns go: a bad request is exactly what someone will look for.
        var amount = Math.Abs(request.Amount) < 1e27m ? request.Amount : (decimal?)null;
        return db.Database.ExecuteSqlAsync($"""
            insert into refunds.rejected_request (refund_id, idempotency_key, payment_id, amount, currency, method, requested_by, code, detail, rejected_at)
            values ({rejection.RefundId}, {Cut(request.IdempotencyKey, 255) ?? ""}, {Cut(request.PaymentId, 100)}, {amount}, {Cut(request.Currency, 8)},
                    {Cut(request.Method, 32)}, {Cut(request.RequestedBy, 100)}, {Cut(rejection.Code, 64)}, {Cut(rejection.Detail, 2000)}, {at})
            on conflict do nothing
            """, cancellationToken);
    }

    static string? Cut(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;
}

using Billing.Features.Refunds.Saga;
using Billing.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Refunds.Api;

public sealed record AttemptView(int Number, string Lane, string Outcome, string? ErrorCode, string? ErrorMessage,
    string? ProviderRefundId, bool LookedUp, string? RequestedBy, DateTimeOffset AttemptedAt);

public sealed record RefundView(Guid RefundId, string Status, string PaymentId, decimal Amount, string Currency, string Method, string? Reason,
    string? RequestedBy, DateTimeOffset RequestedAt, int AttemptCount, string? LastErrorCode, string? LastErrorMessage,
    DateTimeOffset? NextAttemptAt, string? ProviderRefundId, DateTimeOffset? RefundedAt, DateTimeOffset? FailedAt,
    string? ManualRetryBy, DateTimeOffset? ManualRetryAt, IReadOnlyList<AttemptView>? Attempts, int KeyGeneration = 0,
    bool PaymentUncertain = false, string? SecondProviderRefundId = null, DateTimeOffset? PaidTwiceAt = null, string? ClosedBy = null,
    DateTimeOffset? ClosedAt = null, string? CloseNote = null, bool CountsAgainstPayment = true);

/// <summary>What a list, a bulk retry or an export selects; every part optional.</summary>
public sealed record RefundFilter(string? State = null, string? Method = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    string? PaymentId = null, string? ProviderRefundId = null, string? Cause = null, IReadOnlyCollection<string>? States = null);

public sealed record RefundPage(IReadOnlyList<RefundView> Items, int Page, int PageSize, int Total);

/// <summary>Read side of the refunds: straight from the saga and attempt tables, without tracking.</summary>
public sealed class RefundQueries(BillingDbContext db)
{
    public async Task<RefundView?> Find(Guid refundId, CancellationToken cancellationToken)
    {
        var refund = await db.Set<RefundState>().AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == refundId, cancellationToken);
        if (refund is null)
            return null;

        var attempts = await db.Set<RefundAttemptRecord>().AsNoTracking()
            .Where(x => x.RefundId == refundId)
            .OrderBy(x => x.AttemptNumber)
            .Select(x => new AttemptView(x.AttemptNumber, x.Lane, x.Outcome, x.ErrorCode, x.ErrorMessage, x.ProviderRefundId, x.LookedUp,
                x.RequestedBy, x.AttemptedAt))
            .ToListAsync(cancellationToken);
        return View(refund, attempts);
    }

    /// <summary>The refund's status alone (no attempt history), or null when there is no such refund.</summary>
    public async Task<string?> Status(Guid refundId, CancellationToken cancellationToken) =>
        await db.Set<RefundState>().AsNoTracking().Where(x => x.CorrelationId == refundId).Select(x => x.CurrentState)
            .SingleOrDefaultAsync(cancellationToken) is { } state ? RefundStatus.OfState(state) : null;

    public async Task<RefundPage> List(RefundFilter filter, int page, int pageSize, CancellationToken cancellationToken)
    {
        var query = Select(filter);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(x => x.RequestedAt).ThenBy(x => x.CorrelationId)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(cancellationToken);
        return new RefundPage(rows.Select(x => View(x, null)).ToList(), page, pageSize, total);
    }

    /// <summary>Every refund the filter selects, newest first, streamed (an export may be long).</summary>
    public IAsyncEnumerable<RefundView> All(RefundFilter filter) =>
        Select(filter).OrderByDescending(x => x.RequestedAt).ThenBy(x => x.CorrelationId).AsAsyncEnumerable().Select(x => View(x, null));

    /// <summary>The ids of the refunds the filter selects.</summary>
    public Task<List<Guid>> Ids(RefundFilter filter, CancellationToken cancellationToken) =>
        Select(filter).OrderBy(x => x.RequestedAt).Select(x => x.CorrelationId).ToListAsync(cancellationToken);

    /// <summary>What the refunds the filter selects add up to, per currency (money is never summed across currencies).</summary>
    public async Task<IReadOnlyList<(string Currency, decimal Amount)>> Amounts(RefundFilter filter, CancellationToken cancellationToken) =>
        (await Select(filter).GroupBy(x => x.Currency).Select(g => new { Currency = g.Key, Amount = g.Sum(x => x.Amount) })
            .OrderBy(x => x.Currency).ToListAsync(cancellationToken)).Select(x => (x.Currency.Trim(), x.Amount)).ToList();

    IQueryable<RefundState> Select(RefundFilter filter)
    {
        var query = db.Set<RefundState>().AsNoTracking();
        if (filter.State is { } state)
            query = query.Where(x => x.CurrentState == state);
        if (filter.States is { } states)
            query = query.Where(x => states.Contains(x.CurrentState!));
        if (filter.Method is { } method)
            query = query.Where(x => x.Method == method);
        if (filter.From is { } start)
            query = query.Where(x => x.RequestedAt >= start);
        if (filter.To is { } end)
            query = query.Where(x => x.RequestedAt < end);
        if (filter.PaymentId is { } paymentId)
            query = query.Where(x => x.PaymentId == paymentId);
        if (filter.ProviderRefundId is { } providerRefundId)
            query = query.Where(x => x.ProviderRefundId == providerRefundId || x.SecondProviderRefundId == providerRefundId
                || db.Set<RefundAttemptRecord>().Any(a => a.RefundId == x.CorrelationId && a.ProviderRefundId == providerRefundId));
        if (filter.Cause is { } cause)
            query = query.Where(x => x.LastErrorCode == cause);
        return query;
    }

    static RefundView View(RefundState x, IReadOnlyList<AttemptView>? attempts) => new(
        x.CorrelationId, RefundStatus.Of(x), x.PaymentId, x.Amount, x.Currency, x.Method, x.Reason, x.RequestedBy, x.RequestedAt,
        x.AttemptCount, x.LastErrorCode, x.LastErrorMessage, x.NextAttemptAt, x.ProviderRefundId, x.RefundedAt, x.FailedAt,
        x.ManualRetryBy, x.ManualRetryAt, attempts, x.KeyGeneration, x.PaymentUncertain, x.SecondProviderRefundId, x.PaidTwiceAt, x.ClosedBy,
        x.ClosedAt, x.CloseNote, x.CountsAgainstPayment);
}

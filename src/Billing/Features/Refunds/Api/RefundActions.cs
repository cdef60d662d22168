using Billing.Contracts.Refunds;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Features.Refunds.Saga;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Api;

/// <summary>What an accepted action on one refund, or a bulk retry, answers.</summary>
public sealed record RefundActionAnswer(Guid RefundId, string RequestedBy, string Status);

public sealed record BulkRetryAnswer(string RequestedBy, int Count, IReadOnlyList<Guid> RefundIds);

/// <summary>
/// Support's actions on refunds, for the REST endpoints and the dashboard alike: each checks the refund can take it,
/// sends the saga its message in the actor's name, and writes the audit entry. The saga decides, so an action on a
/// refund that has moved on meanwhile changes nothing.
/// </summary>
public sealed class RefundActions(RefundQueries queries, IPublishEndpoint publish, AuditTrail audit, IOptions<RefundOptions> options,
    TimeProvider clock)
{
    const int MaxNote = 1000;
    public const int MaxBulkRetry = 10_000;

    /// <summary>
    /// Accepted from Failed or NeedsSupport; the saga runs one attempt however often this is clicked, since the first
    /// click moves it out of the states that accept a retry.
    /// </summary>
    public async Task<ActionOutcome> Retry(Guid refundId, Actor actor, CancellationToken cancellationToken)
    {
        if (await queries.Status(refundId, cancellationToken) is not { } status)
            return NotFound(refundId);
        if (status == RefundStatus.Refunded)
            return ActionOutcome.Conflict("Already refunded", $"Refund {refundId} is already refunded; nothing to retry.");
        if (!RefundStatus.AllowsManualRetry(status))
            return ActionOutcome.Conflict("Refund is in progress", $"Refund {refundId} is {status}; a retry is possible once it is failed or needs_support.");

        await publish.Publish(new RetryRefund(refundId, actor.Name, clock.GetUtcNow()), cancellationToken);
        await audit.Record(new AuditEntry(actor, "refund.retry", "refund", refundId.ToString(), new { status }, new { status = "retry_requested" }),
            cancellationToken);
        return ActionOutcome.Accepted($"/refunds/{refundId}", new RefundActionAnswer(refundId, actor.Name, "retry_requested"));
    }

    public async Task<ActionOutcome> Resolve(Guid refundId, Actor actor, string? note, bool? paidElsewhere, CancellationToken cancellationToken)
    {
        var problems = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(note) || note.Length > MaxNote)
            problems["note"] = [$"Say how it was resolved, at most {MaxNote} characters."];
        if (paidElsewhere is null)
            problems["paidElsewhere"] = ["true when the money reached the customer another way (it still counts against the payment), false when it is not to be paid."];
        if (problems.Count > 0)
            return ActionOutcome.Invalid(problems);
        var (refused, status) = await Closable(refundId, cancellationToken);
        if (refused is not null)
            return refused;

        await publish.Publish(new ResolveRefundByHand(refundId, actor.Name, note!, paidElsewhere!.Value, clock.GetUtcNow()), cancellationToken);
        await audit.Record(new AuditEntry(actor, "refund.resolve", "refund", refundId.ToString(), new { status },
            new { status = "resolve_requested", paidElsewhere }, note), cancellationToken);
        return ActionOutcome.Accepted($"/refunds/{refundId}", new RefundActionAnswer(refundId, actor.Name, "resolve_requested"));
    }

    public async Task<ActionOutcome> Cancel(Guid refundId, Actor actor, string? reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxNote)
            return ActionOutcome.Invalid(new Dictionary<string, string[]> { ["reason"] = [$"Say why it is cancelled, at most {MaxNote} characters."] });
        var (refused, status) = await Closable(refundId, cancellationToken);
        if (refused is not null)
            return refused;

        await publish.Publish(new CancelRefund(refundId, actor.Name, reason, clock.GetUtcNow()), cancellationToken);
        await audit.Record(new AuditEntry(actor, "refund.cancel", "refund", refundId.ToString(), new { status },
            new { status = "cancel_requested" }, reason), cancellationToken);
        return ActionOutcome.Accepted($"/refunds/{refundId}", new RefundActionAnswer(refundId, actor.Name, "cancel_requested"));
    }

    /// <summary>
    /// Every Failed or NeedsSupport refund the filter selects gets a RetryRefund: the first moves it out of the states that
    /// accept one, so each is attempted once however often this is sent. One audit entry per refund.
    /// </summary>
    public async Task<ActionOutcome> BulkRetry(Actor actor, string? cause, string? method, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellationToken)
    {
        var (refused, ids) = await BulkRetrySelection(cause, method, from, to, cancellationToken);
        if (refused is not null)
            return refused;

        var at = clock.GetUtcNow();
        foreach (var id in ids)
            await publish.Publish(new RetryRefund(id, actor.Name, at), cancellationToken);
        await audit.Record(ids.Select(id => new AuditEntry(actor, "refund.bulk_retry", "refund", id.ToString(), null,
            new { status = "retry_requested", filter = new { cause, method, from, to } })), cancellationToken);
        return ActionOutcome.Accepted("/refunds?status=retrying_manually", new BulkRetryAnswer(actor.Name, ids.Count, ids));
    }

    /// <summary>
    /// The refunds a bulk retry with this filter would touch now, or why it would be refused: what the dashboard counts
    /// before it asks, and what <see cref="BulkRetry"/> then retries.
    /// </summary>
    public async Task<(ActionOutcome? Refused, IReadOnlyList<Guid> Ids)> BulkRetrySelection(string? cause, string? method,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var problems = new Dictionary<string, string[]>();
        if (cause is null && method is null && from is null && to is null)
            problems["filter"] = ["Name a cause, a method or a time window: a retry of everything is not one click away."];
        if (method is not null && !options.Value.Methods.ContainsKey(method))
            problems["method"] = [$"Unknown payment method '{method}'."];
        if (cause is { Length: > RefundEndpoints.MaxCauseLength })
            problems["cause"] = [$"At most {RefundEndpoints.MaxCauseLength} characters."];
        if (from is not null && to is not null && from >= to)
            problems["from"] = ["Must be before 'to'."];
        if (problems.Count > 0)
            return (ActionOutcome.Invalid(problems), []);

        var ids = await queries.Ids(BulkRetryFilter(cause, method, from, to), cancellationToken);
        if (ids.Count > MaxBulkRetry)
            return (ActionOutcome.Invalid(new Dictionary<string, string[]> { ["filter"] = [$"{ids.Count} refunds match; narrow it to at most {MaxBulkRetry}."] }), []);
        return (null, ids);
    }

    public static RefundFilter BulkRetryFilter(string? cause, string? method, DateTimeOffset? from, DateTimeOffset? to) =>
        new(Method: method, From: from, To: to, Cause: cause, States: ["Failed", "NeedsSupport"]);

    /// <summary>The refund's status, and a refusal unless it can be closed by hand.</summary>
    async Task<(ActionOutcome? Refused, string? Status)> Closable(Guid refundId, CancellationToken cancellationToken)
    {
        var status = await queries.Status(refundId, cancellationToken);
        if (status is null)
            return (NotFound(refundId), null);
        return RefundStatus.AllowsClosing(status) ? (null, status) : (ActionOutcome.Conflict("Refund is not failed",
            $"Refund {refundId} is {status}; only a failed or needs_support refund can be closed by hand."), status);
    }

    static ActionOutcome NotFound(Guid refundId) => ActionOutcome.NotFound("Refund not found", $"No refund has id {refundId}.");
}

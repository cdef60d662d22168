using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Saga;

/// <summary>
/// One refund from request to Refunded, Failed or NeedsSupport (the diagram is in docs/refunds.md).
/// The saga decides; the lanes call the provider. Every provider call uses the refund id as its idempotency key,
/// and every attempt after the first asks the provider about earlier ones before paying, so no path pays twice.
/// Attempt events carry their number and the saga applies each number once, so redelivered or repeated
/// attempt reports change nothing.
/// </summary>
public class RefundStateMachine : MassTransitStateMachine<RefundState>
{
    readonly TimeProvider _clock;
    readonly RefundOptions _options;

    public RefundStateMachine(TimeProvider clock, IOptions<RefundOptions> options)
    {
        _clock = clock;
        _options = options.Value;

        InstanceState(x => x.CurrentState);

        Event(() => Requested, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.SetSagaFactory(x => new RefundState { CorrelationId = x.Message.RefundId });
        });
        Event(() => Attempted, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => RetryRequested, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => ReconcileRequested, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.OnMissingInstance(m => m.ExecuteAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))));
        });

        // Stale events (an attempt report already applied, a second click on retry) are expected and harmless.
        OnUnhandledEvent(x => x.Ignore());

        Initially(
            When(Requested)
                .ThenAsync(Evaluate)
                .IfElse(x => x.TryGetPayload(out RefundRejected? _),
                    rejected => rejected.ThenAsync(RespondRejected).Finalize(),
                    accepted => accepted
                        .Then(Accept)
                        .ThenAsync(x => SendAttempt(x, RefundLanes.Fast, requestedBy: null))
                        .TransitionTo(Attempting)
                        .ThenAsync(x => RespondAccepted(x, duplicate: false))));

        DuringAny(
            When(Requested).ThenAsync(RespondToReplay));

        During(Attempting,
            When(Attempted, IsPaid).Then(Record).Then(MarkRefunded).TransitionTo(Refunded),
            When(Attempted, x => IsNew(x, RefundLanes.Fast) && IsDeclined(x)).Then(Record).Then(MarkFailed).TransitionTo(Failed),
            When(Attempted, x => IsNew(x, RefundLanes.Fast) && MayRetry(x)).Then(Record).ThenAsync(ScheduleSlowLane).TransitionTo(Retrying));

        During(Retrying,
            When(Attempted, IsPaid).Then(Record).Then(MarkRefunded).TransitionTo(Refunded),
            When(Attempted, x => IsNew(x, RefundLanes.Slow) && MayRetry(x) && x.Message.NextAttemptIn is not null).Then(Record),
            When(Attempted, x => IsNew(x, RefundLanes.Slow) && !IsPaid(x) && !(MayRetry(x) && x.Message.NextAttemptIn is not null))
                .Then(Record).Then(MarkFailed).TransitionTo(Failed));

        During(Failed,
            When(ReconcileRequested)
                .Then(x => x.Saga.ReconcileRunId = x.Message.RunId)
                .Then(Touch)
                .ThenAsync(x => SendAttempt(x, RefundLanes.Reconcile, requestedBy: "reconciler"))
                .TransitionTo(Reconciling));

        During(Failed, NeedsSupport,
            When(RetryRequested)
                .Then(x =>
                {
                    x.Saga.ManualRetryBy = x.Message.RequestedBy;
                    x.Saga.ManualRetryAt = x.Message.RequestedAt;
                })
                .Then(Touch)
                .ThenAsync(x => SendAttempt(x, RefundLanes.Manual, x.Message.RequestedBy))
                .TransitionTo(RetryingManually));

        // Stuck in flight (its attempt lost, say): the reconciler's attempt takes over, under the same key.
        During([Attempting, Retrying, RetryingManually, Reconciling],
            When(ReconcileRequested, x => IsStuck(x) && x.Saga.ReconcileRunId != x.Message.RunId)
                .Then(x => x.Saga.ReconcileRunId = x.Message.RunId)
                .Then(Touch)
                .ThenAsync(x => SendAttempt(x, RefundLanes.Reconcile, requestedBy: "reconciler"))
                .TransitionTo(Reconciling));

        // Otherwise the refund is not the reconciler's to try, but its run still hears back. A repeat of the run it
        // is already reconciling for is not answered twice.
        During([Attempting, Retrying, RetryingManually, Reconciling],
            When(ReconcileRequested, x => !IsStuck(x) && x.Saga.ReconcileRunId != x.Message.RunId)
                .ThenAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))));
        During(NeedsSupport, Refunded,
            When(ReconcileRequested).ThenAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))));

        During(Reconciling,
            When(Attempted, IsPaid)
                .Then(Record).Then(MarkRefunded)
                .ThenAsync(x => x.Publish(new RefundReconciled(x.Saga.ReconcileRunId!.Value, x.Saga.CorrelationId, ReconcileOutcomes.Refunded)))
                .TransitionTo(Refunded),
            When(Attempted, x => IsNew(x, RefundLanes.Reconcile) && !IsPaid(x))
                .Then(Record).Then(Touch)
                .ThenAsync(x => x.Publish(new RefundReconciled(x.Saga.ReconcileRunId!.Value, x.Saga.CorrelationId, ReconcileOutcomes.NeedsSupport)))
                .TransitionTo(NeedsSupport));

        During(RetryingManually,
            When(Attempted, IsPaid).Then(Record).Then(MarkRefunded).TransitionTo(Refunded),
            When(Attempted, x => IsNew(x, RefundLanes.Manual) && !IsPaid(x)).Then(Record).Then(Touch).TransitionTo(NeedsSupport));

        // Only a rejected request finalizes, and a finalized new instance is never written: nothing is stored.
        SetCompletedWhenFinalized();
    }

    public State Attempting { get; private set; } = null!;
    public State Retrying { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Reconciling { get; private set; } = null!;
    public State NeedsSupport { get; private set; } = null!;
    public State RetryingManually { get; private set; } = null!;
    public State Refunded { get; private set; } = null!;

    public Event<RequestRefund> Requested { get; private set; } = null!;
    public Event<RefundAttempted> Attempted { get; private set; } = null!;
    public Event<RetryRefund> RetryRequested { get; private set; } = null!;
    public Event<ReconcileRefund> ReconcileRequested { get; private set; } = null!;

    /// <summary>
    /// A failure counts only when it is the attempt the current state waits for: a number not yet applied, from that
    /// state's lane (a stray report of an earlier phase, say a slow-lane repeat after a crash, changes nothing).
    /// </summary>
    static bool IsNew(BehaviorContext<RefundState, RefundAttempted> x, string lane) =>
        x.Message.AttemptNumber > x.Saga.AttemptCount && x.Message.Lane == lane;

    /// <summary>
    /// A payment is a fact whatever its attempt number: after a crash the repeat of an attempt already reported as
    /// failed may find the refund paid, and that must not be ignored as a duplicate.
    /// </summary>
    static bool IsPaid(BehaviorContext<RefundState, RefundAttempted> x) => x.Message.Outcome == AttemptOutcomes.Paid;

    bool IsStuck(BehaviorContext<RefundState> x)
    {
        var waitingSince = x.Saga.CurrentState == nameof(Retrying) && x.Saga.NextAttemptAt is { } next ? next : x.Saga.UpdatedAt;
        return waitingSince < _clock.GetUtcNow() - _options.StuckAfter;
    }

    static bool IsDeclined(BehaviorContext<RefundState, RefundAttempted> x) => x.Message.Outcome == AttemptOutcomes.Declined;

    static bool MayRetry(BehaviorContext<RefundState, RefundAttempted> x) =>
        x.Message.Outcome is AttemptOutcomes.Unavailable or AttemptOutcomes.Unknown;

    async Task Evaluate(BehaviorContext<RefundState, RequestRefund> x)
    {
        var db = x.GetServiceOrCreateInstance<BillingDbContext>();
        if (await RefundIntake.Evaluate(db, x.Message, _options.Methods.Keys, x.CancellationToken) is { } rejection)
            x.GetOrAddPayload(() => rejection);
    }

    void Accept(BehaviorContext<RefundState, RequestRefund> x)
    {
        var (saga, request) = (x.Saga, x.Message);
        saga.IdempotencyKey = request.IdempotencyKey;
        saga.RequestFingerprint = RefundIntake.Fingerprint(request);
        saga.PaymentId = request.PaymentId;
        saga.Amount = request.Amount;
        saga.Currency = request.Currency;
        saga.Method = request.Method;
        saga.Reason = request.Reason;
        saga.RequestedBy = request.RequestedBy;
        saga.RequestedAt = _clock.GetUtcNow();
        saga.UpdatedAt = saga.RequestedAt;
    }

    static Task RespondRejected(BehaviorContext<RefundState, RequestRefund> x) =>
        x.ResponseAddress is null ? Task.CompletedTask : x.RespondAsync(x.GetPayload<RefundRejected>());

    static Task RespondAccepted(BehaviorContext<RefundState, RequestRefund> x, bool duplicate) =>
        x.ResponseAddress is null ? Task.CompletedTask : x.RespondAsync(new RefundAccepted(x.Saga.CorrelationId, RefundStatus.Of(x.Saga), duplicate));

    static Task RespondToReplay(BehaviorContext<RefundState, RequestRefund> x)
    {
        if (x.ResponseAddress is null)
            return Task.CompletedTask;
        return RefundIntake.Fingerprint(x.Message) == x.Saga.RequestFingerprint
            ? RespondAccepted(x, duplicate: true)
            : x.RespondAsync(new RefundRejected(x.Saga.CorrelationId, RefundRejections.IdempotencyConflict,
                "This Idempotency-Key was already used for a different refund request."));
    }

    /// <summary>The next attempt goes to the payment method's lane queue (fast; the reconciler's and support's single attempts too).</summary>
    static async Task SendAttempt<T>(BehaviorContext<RefundState, T> x, string lane, string? requestedBy)
        where T : class
    {
        var endpoint = await x.GetSendEndpoint(RefundLanes.FastAddress(x.Saga.Method));
        await endpoint.Send(NextAttempt(x.Saga, lane, requestedBy), x.CancellationToken);
    }

    /// <summary>The first slow attempt waits the lane's first interval; the slow lane schedules the rest itself.</summary>
    async Task ScheduleSlowLane(BehaviorContext<RefundState, RefundAttempted> x)
    {
        var delay = _options.For(x.Saga.Method).SlowLane.DelayBefore(0);
        var due = _clock.GetUtcNow() + delay;
        x.Saga.NextAttemptAt = due;
        await x.ScheduleSend(RefundLanes.SlowAddress(x.Saga.Method), due.UtcDateTime, NextAttempt(x.Saga, RefundLanes.Slow, null));
    }

    static AttemptRefund NextAttempt(RefundState saga, string lane, string? requestedBy) => new()
    {
        RefundId = saga.CorrelationId,
        AttemptNumber = saga.AttemptCount + 1,
        Lane = lane,
        PaymentId = saga.PaymentId,
        Amount = saga.Amount,
        Currency = saga.Currency,
        Method = saga.Method,
        Reason = saga.Reason,
        KeyGeneration = saga.KeyGeneration,
        RequestedBy = requestedBy,
    };

    /// <summary>Applies an attempt report to the refund and appends it to the history, in the saga's transaction.</summary>
    void Record(BehaviorContext<RefundState, RefundAttempted> x)
    {
        var (saga, attempt) = (x.Saga, x.Message);
        // A repeated number (only a payment found on a repeat gets here) is recorded as the observation after the last.
        var number = attempt.AttemptNumber > saga.AttemptCount ? attempt.AttemptNumber : saga.AttemptCount + 1;
        saga.AttemptCount = number;
        saga.LastAttemptAt = attempt.AttemptedAt;
        saga.NextAttemptAt = attempt.NextAttemptIn is { } wait ? attempt.AttemptedAt + wait : null;
        if (attempt.Outcome == AttemptOutcomes.Paid)
            saga.ProviderRefundId = attempt.ProviderRefundId;
        else
        {
            saga.LastErrorCode = attempt.ErrorCode;
            saga.LastErrorMessage = Truncate(attempt.ErrorMessage, 1000);
        }

        if (attempt.Outcome == AttemptOutcomes.Declined)
            saga.KeyGeneration++;

        saga.UpdatedAt = _clock.GetUtcNow();
        x.GetServiceOrCreateInstance<BillingDbContext>().Add(new RefundAttemptRecord
        {
            RefundId = saga.CorrelationId,
            AttemptNumber = number,
            Lane = attempt.Lane,
            Method = saga.Method,
            Outcome = attempt.Outcome,
            ErrorCode = attempt.ErrorCode,
            ErrorMessage = Truncate(attempt.ErrorMessage, 1000),
            ProviderRefundId = attempt.ProviderRefundId,
            LookedUp = attempt.LookedUp,
            RequestedBy = attempt.RequestedBy,
            AttemptedAt = attempt.AttemptedAt,
        });
    }

    void MarkRefunded(BehaviorContext<RefundState> x)
    {
        x.Saga.RefundedAt = _clock.GetUtcNow();
        x.Saga.NextAttemptAt = null;
    }

    void MarkFailed(BehaviorContext<RefundState> x)
    {
        x.Saga.FailedAt = _clock.GetUtcNow();
        x.Saga.NextAttemptAt = null;
    }

    void Touch(BehaviorContext<RefundState> x) => x.Saga.UpdatedAt = _clock.GetUtcNow();

    static RefundReconciled Reconciled(ReconcileRefund request, string outcome) => new(request.RunId, request.RefundId, outcome);

    static string? Truncate(string? text, int length) => text is { Length: > 0 } t && t.Length > length ? t[..length] : text;
}

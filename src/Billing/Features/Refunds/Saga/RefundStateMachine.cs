using Billing.Features.Observability;
using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Saga;

/// <summary>
/// One refund from request to Refunded, Failed or NeedsSupport (the diagram is in docs/refunds.md).
/// The saga decides; the lanes call the provider. The saga sends every attempt, the slow lane's included (scheduled),
/// each with the next attempt number, and a lane drops an attempt that is no longer current, so there is one chain of
/// attempts per refund. A payment is applied in every state; anything else is applied once, from the lane the state
/// waits for. A refund whose provider may have paid is resolved by lookups before it may end unpaid.
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
        Event(() => ResolveRequested, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => CancelRequested, e =>
        {
            e.CorrelateById(x => x.Message.RefundId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => FailedByProvider, e =>
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
                    rejected => rejected.ThenAsync(Reject).Finalize(),
                    accepted => accepted
                        .Then(Accept)
                        .ThenAsync(x => SendAttempt(x, RefundLanes.Fast, requestedBy: null))
                        .TransitionTo(Attempting)
                        .ThenAsync(x => RespondAccepted(x, duplicate: false))));

        DuringAny(
            When(Requested).ThenAsync(RespondToReplay));

        // A payment is a fact, whatever the state and the attempt number: a report from an attempt no longer current
        // (a slow chain still running after a takeover, a repeat after a crash) that paid must not be dropped.
        During([Attempting, Retrying, Failed, Reconciling, NeedsSupport, RetryingManually, Resolving, ResolvedByHand, Cancelled],
            When(Attempted, IsPaid)
                .Then(Record).ThenAsync(FlagPaidTwice).Then(MarkRefunded)
                .ThenAsync(x => AnswerRun(x, ReconcileOutcomes.Refunded))
                .ThenAsync(PublishSucceeded)
                .TransitionTo(Refunded));
        During(Refunded,
            When(Attempted, IsPaid).ThenAsync(FlagPaidTwice));

        // Stripe failed the refund after reporting it paid (a webhook): the money came back, so it is Failed again, and
        // its next attempt uses a fresh key (Stripe would replay the failed refund for the old one).
        During(Refunded,
            When(FailedByProvider, x => x.Message.ProviderRefundId == x.Saga.ProviderRefundId)
                .ThenAsync(FailLater));

        During(Attempting,
            When(Attempted, x => IsCurrent(x, RefundLanes.Fast) && IsDeclined(x))
                .Then(Record).ThenAsync(x => EndUnpaid(x, Failed)),
            When(Attempted, x => IsCurrent(x, RefundLanes.Fast) && MayRetry(x))
                .Then(Record).Then(x => x.Saga.LaneAttempts = 0).ThenAsync(x => ScheduleNext(x, RefundLanes.Slow)).TransitionTo(Retrying));

        During(Retrying,
            When(Attempted, x => IsCurrent(x, RefundLanes.Slow) && MayRetry(x) && HasSlowAttemptsLeft(x))
                .Then(Record).ThenAsync(x => ScheduleNext(x, RefundLanes.Slow)),
            When(Attempted, x => IsCurrent(x, RefundLanes.Slow) && !IsPaid(x) && !(MayRetry(x) && HasSlowAttemptsLeft(x)))
                .Then(Record).ThenAsync(x => EndUnpaid(x, Failed)));

        // Billing's excess whose credit purchases spent is cancelled by billing while the refund is at rest here; its
        // cancel may not have arrived yet, and then the refund closes instead of paying credit the holder no longer has.
        During(Failed,
            When(ReconcileRequested)
                .IfElseAsync(CancelledByBilling,
                    cancelled => cancelled.ThenAsync(CloseForBilling).TransitionTo(Cancelled).ThenAsync(PublishCancelled)
                        .ThenAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))),
                    reconcile => reconcile
                        .Then(x => x.Saga.ReconcileRunId = x.Message.RunId)
                        .Then(Touch)
                        .ThenAsync(x => SendAttempt(x, RefundLanes.Reconcile, requestedBy: "reconciler"))
                        .TransitionTo(Reconciling)));

        During(Failed, NeedsSupport,
            When(RetryRequested)
                .IfElseAsync(CancelledByBilling,
                    cancelled => cancelled.ThenAsync(CloseForBilling).TransitionTo(Cancelled).ThenAsync(PublishCancelled),
                    retry => retry
                        .Then(x =>
                        {
                            x.Saga.ManualRetryBy = x.Message.RequestedBy;
                            x.Saga.ManualRetryAt = x.Message.RequestedAt;
                        })
                        .Then(Touch)
                        .ThenAsync(x => SendAttempt(x, RefundLanes.Manual, x.Message.RequestedBy))
                        .TransitionTo(RetryingManually)));

        // Support's own ends, from where nothing is in flight: who, when and the note are kept. A refund paid another way
        // still counts against its payment; one cancelled or not to be paid does not. Both are published: the passbook books
        // a refund paid elsewhere and releases an excess that will not be paid (issue 19, M1).
        During(Failed, NeedsSupport,
            When(ResolveRequested)
                .Then(x => Close(x.Saga, x.Message.RequestedBy, x.Message.RequestedAt, x.Message.Note, countsAgainstPayment: x.Message.PaidElsewhere))
                .TransitionTo(ResolvedByHand)
                .ThenAsync(x => x.Publish(new RefundResolvedByHand(x.Saga.CorrelationId, x.Saga.PaymentId, x.Saga.Amount,
                    x.Saga.Currency, x.Saga.Method, x.Message.PaidElsewhere, x.Saga.ClosedBy!, x.Message.RequestedAt))),
            When(CancelRequested)
                .Then(x => Close(x.Saga, x.Message.RequestedBy, x.Message.RequestedAt, x.Message.Reason, countsAgainstPayment: false))
                .TransitionTo(Cancelled)
                .ThenAsync(x => x.Publish(new RefundCancelled(x.Saga.CorrelationId, x.Saga.PaymentId, x.Saga.Amount,
                    x.Saga.Currency, x.Saga.Method, x.Saga.ClosedBy!, x.Message.RequestedAt))));

        // Stuck in flight (its attempt lost, say): the reconciler's attempt takes over, under the current key. A run
        // still waiting for this refund hears "skipped" first, so it can close and send its mail.
        During([Attempting, Retrying, RetryingManually, Reconciling, Resolving],
            When(ReconcileRequested, x => IsStuck(x) && x.Saga.ReconcileRunId != x.Message.RunId)
                .ThenAsync(x => AnswerRun(x, ReconcileOutcomes.Skipped))
                .Then(x => x.Saga.ReconcileRunId = x.Message.RunId)
                .Then(Touch)
                .ThenAsync(x => SendAttempt(x, RefundLanes.Reconcile, requestedBy: "reconciler"))
                .TransitionTo(Reconciling));

        // Otherwise the refund is not the reconciler's to try, but its run still hears back. A repeat of the run it
        // is already reconciling for is not answered twice.
        During([Attempting, Retrying, RetryingManually, Reconciling, Resolving],
            When(ReconcileRequested, x => !IsStuck(x) && x.Saga.ReconcileRunId != x.Message.RunId)
                .ThenAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))));
        During(NeedsSupport, Refunded, ResolvedByHand, Cancelled,
            When(ReconcileRequested).ThenAsync(x => x.Publish(Reconciled(x.Message, ReconcileOutcomes.Skipped))));

        During(Reconciling,
            When(Attempted, x => IsCurrent(x, RefundLanes.Reconcile) && !IsPaid(x))
                .Then(Record).ThenAsync(x => EndUnpaid(x, NeedsSupport)));

        During(RetryingManually,
            When(Attempted, x => IsCurrent(x, RefundLanes.Manual) && !IsPaid(x))
                .Then(Record).ThenAsync(x => EndUnpaid(x, NeedsSupport)));

        // Lookups only, at growing intervals, until the provider says whether it paid; never gives up on its own (the
        // janitor takes over a resolving refund whose lookup was lost).
        During(Resolving,
            When(Attempted, x => IsCurrent(x, RefundLanes.Resolve) && IsSettledUnpaid(x))
                .Then(Record).ThenAsync(x => EndUnpaid(x, x.Saga.ResolveThen == nameof(NeedsSupport) ? NeedsSupport : Failed)),
            When(Attempted, x => IsCurrent(x, RefundLanes.Resolve) && !IsPaid(x) && !IsSettledUnpaid(x))
                .Then(Record).ThenAsync(x => ScheduleNext(x, RefundLanes.Resolve)));

        // Only a rejected request finalizes, and a finalized new instance is never written: nothing is stored.
        SetCompletedWhenFinalized();
    }

    public State Attempting { get; private set; } = null!;
    public State Retrying { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Reconciling { get; private set; } = null!;
    public State NeedsSupport { get; private set; } = null!;
    public State RetryingManually { get; private set; } = null!;
    public State Resolving { get; private set; } = null!;
    public State Refunded { get; private set; } = null!;
    public State ResolvedByHand { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    public Event<RequestRefund> Requested { get; private set; } = null!;
    public Event<RefundAttempted> Attempted { get; private set; } = null!;
    public Event<RetryRefund> RetryRequested { get; private set; } = null!;
    public Event<ReconcileRefund> ReconcileRequested { get; private set; } = null!;
    public Event<RefundFailedByProvider> FailedByProvider { get; private set; } = null!;
    public Event<ResolveRefundByHand> ResolveRequested { get; private set; } = null!;
    public Event<CancelRefund> CancelRequested { get; private set; } = null!;

    /// <summary>
    /// A failure counts only when it is the attempt the current state waits for: a number not yet applied, from that
    /// state's lane (a stray report of an earlier phase, say a slow-lane repeat after a crash, changes nothing).
    /// </summary>
    static bool IsCurrent(BehaviorContext<RefundState, RefundAttempted> x, string lane) =>
        x.Message.AttemptNumber > x.Saga.AttemptCount && x.Message.Lane == lane;

    static bool IsPaid(BehaviorContext<RefundState, RefundAttempted> x) => x.Message.Outcome == AttemptOutcomes.Paid;

    static bool IsDeclined(BehaviorContext<RefundState, RefundAttempted> x) => x.Message.Outcome == AttemptOutcomes.Declined;

    static bool MayRetry(BehaviorContext<RefundState, RefundAttempted> x) =>
        x.Message.Outcome is AttemptOutcomes.Unavailable or AttemptOutcomes.Unknown;

    /// <summary>A lookup answered for every key and found nothing paid.</summary>
    static bool IsSettledUnpaid(BehaviorContext<RefundState, RefundAttempted> x) =>
        x.Message.Outcome is AttemptOutcomes.NotFound or AttemptOutcomes.Declined;

    bool HasSlowAttemptsLeft(BehaviorContext<RefundState, RefundAttempted> x) =>
        x.Saga.LaneAttempts < _options.For(x.Saga.Method).SlowLane.Attempts;

    bool IsStuck(BehaviorContext<RefundState> x)
    {
        var waitingSince = x.Saga.CurrentState is nameof(Retrying) or nameof(Resolving) && x.Saga.NextAttemptAt is { } next ? next : x.Saga.UpdatedAt;
        return waitingSince < _clock.GetUtcNow() - _options.StuckAfter;
    }

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

    /// <summary>
    /// Answers a caller that waits, and publishes the refusal for everyone else (billing reacts to it). A caller that
    /// did not wait would otherwise never learn of it: its request is kept with the reason.
    /// </summary>
    async Task Reject(BehaviorContext<RefundState, RequestRefund> x)
    {
        var rejection = x.GetPayload<RefundRejected>();
        await x.Publish(rejection);
        if (x.ResponseAddress is not null)
            await x.RespondAsync(rejection);
        else
            await RejectedRequests.Keep(x.GetServiceOrCreateInstance<BillingDbContext>(), x.Message, rejection, _clock.GetUtcNow(), x.CancellationToken);
    }

    static Task RespondAccepted(BehaviorContext<RefundState, RequestRefund> x, bool duplicate) =>
        x.ResponseAddress is null ? Task.CompletedTask : x.RespondAsync(new RefundAccepted(x.Saga.CorrelationId, RefundStatus.Of(x.Saga), duplicate));

    async Task RespondToReplay(BehaviorContext<RefundState, RequestRefund> x)
    {
        if (RefundIntake.Fingerprint(x.Message) == x.Saga.RequestFingerprint)
        {
            await RespondAccepted(x, duplicate: true);
            return;
        }

        var conflict = new RefundRejected(x.Saga.CorrelationId, RefundRejections.IdempotencyConflict,
            "This Idempotency-Key was already used for a different refund request.");
        x.GetOrAddPayload(() => conflict);
        await Reject(x);
    }

    /// <summary>The next attempt goes to the payment method's fast queue (the reconciler's and support's single attempts too).</summary>
    static async Task SendAttempt<T>(BehaviorContext<RefundState, T> x, string lane, string? requestedBy)
        where T : class
    {
        var endpoint = await x.GetSendEndpoint(RefundLanes.FastAddress(x.Saga.Method));
        await endpoint.Send(NextAttempt(x.Saga, lane, requestedBy), x.CancellationToken);
    }

    /// <summary>
    /// The next slow attempt or resolving lookup, on the method's slow queue after the lane's growing wait, scheduled in
    /// this transaction: one chain per refund, whatever crashes (the lane never schedules anything itself). The first
    /// lookup after an outcome that may have paid goes at once.
    /// </summary>
    async Task ScheduleNext(BehaviorContext<RefundState, RefundAttempted> x, string lane)
    {
        var saga = x.Saga;
        var delay = lane == RefundLanes.Resolve && saga.LaneAttempts == 0
            ? TimeSpan.Zero
            : _options.For(saga.Method).SlowLane.DelayBefore(saga.LaneAttempts);
        var attempt = NextAttempt(saga, lane, null);
        saga.LaneAttempts++;
        // The wait runs from the attempt before, not from when its report got here, so a busy saga queue does not
        // stretch the lane's intervals.
        var now = _clock.GetUtcNow();
        var due = x.Message.AttemptedAt + delay;
        saga.NextAttemptAt = due > now ? due : now;
        if (saga.NextAttemptAt <= now)
        {
            var endpoint = await x.GetSendEndpoint(RefundLanes.SlowAddress(saga.Method));
            await endpoint.Send(attempt, x.CancellationToken);
        }
        else
            await x.ScheduleSend(RefundLanes.SlowAddress(saga.Method), saga.NextAttemptAt.Value.UtcDateTime, attempt);
    }

    /// <summary>
    /// The refund ends without a payment, in <paramref name="target"/> (Failed or NeedsSupport), unless an attempt may have
    /// paid: then it resolves first, by lookups, and goes there only once the provider says nothing was paid.
    /// </summary>
    async Task EndUnpaid(BehaviorContext<RefundState, RefundAttempted> x, State target)
    {
        var saga = x.Saga;
        if (saga.PaymentUncertain)
        {
            if (saga.CurrentState != nameof(Resolving))
            {
                saga.ResolveThen = target.Name;
                saga.LaneAttempts = 0;
                await x.TransitionToState(Resolving);
            }
            await ScheduleNext(x, RefundLanes.Resolve);
            return;
        }

        saga.NextAttemptAt = null;
        saga.ResolveThen = null;
        var now = _clock.GetUtcNow();
        if (target == Failed)
        {
            saga.FailedAt = now;
            await x.TransitionToState(Failed);
            await x.Publish(new RefundFailed(saga.CorrelationId, saga.PaymentId, saga.Amount, saga.Currency, saga.Method, saga.LastErrorCode,
                saga.LastErrorMessage, now));
            BillingMetrics.RefundSettled("failed", saga.Method, saga.LastErrorCode);
            await AnswerRun(x, ReconcileOutcomes.Skipped);
        }
        else
        {
            saga.NeedsSupportAt = now;
            await x.TransitionToState(NeedsSupport);
            await x.Publish(new RefundNeedsSupport(saga.CorrelationId, saga.PaymentId, saga.Amount, saga.Currency, saga.Method, saga.LastErrorCode,
                saga.LastErrorMessage, now));
            BillingMetrics.RefundSettled("needs_support", saga.Method, saga.LastErrorCode);
            await AnswerRun(x, ReconcileOutcomes.NeedsSupport);
        }
    }

    async Task FailLater(BehaviorContext<RefundState, RefundFailedByProvider> x)
    {
        var (saga, failure) = (x.Saga, x.Message);
        var now = _clock.GetUtcNow();
        saga.AttemptCount++;
        saga.KeyGeneration++;
        saga.LastErrorCode = Truncate(failure.FailureReason, 100);
        saga.LastErrorMessage = $"The provider failed refund {failure.ProviderRefundId} after reporting it paid.";
        // The failed provider refund stays in the history; a later payment is the refund's one, not a second.
        saga.ProviderRefundId = null;
        saga.RefundedAt = null;
        saga.FailedAt = now;
        saga.UpdatedAt = now;
        RefundAttemptRows.Add(x, new RefundAttemptRecord
        {
            RefundId = saga.CorrelationId,
            AttemptNumber = saga.AttemptCount,
            Lane = "webhook",
            Method = saga.Method,
            Outcome = AttemptOutcomes.Declined,
            ErrorCode = saga.LastErrorCode,
            ErrorMessage = saga.LastErrorMessage,
            ProviderRefundId = failure.ProviderRefundId,
            AttemptedAt = failure.At,
        });
        await x.TransitionToState(Failed);
        await x.Publish(new RefundReversed(saga.CorrelationId, saga.PaymentId, saga.Amount, saga.Currency, saga.Method, failure.ProviderRefundId,
            saga.LastErrorCode, now));
        await x.Publish(new RefundFailed(saga.CorrelationId, saga.PaymentId, saga.Amount, saga.Currency, saga.Method, saga.LastErrorCode,
            saga.LastErrorMessage, now));
        BillingMetrics.RefundSettled("failed", saga.Method, saga.LastErrorCode);
    }

    /// <summary>Tells the reconciler run waiting for this refund (if one is) how it came out, once.</summary>
    static async Task AnswerRun<T>(BehaviorContext<RefundState, T> x, string outcome)
        where T : class
    {
        if (x.Saga.ReconcileRunId is not { } runId)
            return;
        x.Saga.ReconcileRunId = null;
        await x.Publish(new RefundReconciled(runId, x.Saga.CorrelationId, outcome));
    }

    static Task PublishSucceeded(BehaviorContext<RefundState, RefundAttempted> x)
    {
        BillingMetrics.RefundSettled("refunded", x.Saga.Method, null);
        return x.Publish(new RefundSucceeded(x.Saga.CorrelationId, x.Saga.PaymentId, x.Saga.Amount, x.Saga.Currency, x.Saga.Method,
            x.Saga.ProviderRefundId ?? "", x.Saga.RefundedAt ?? x.Message.AttemptedAt));
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
        saga.NextAttemptAt = null;
        saga.PaymentUncertain = attempt.ProviderMayHavePaid ?? saga.PaymentUncertain;
        if (attempt.Outcome == AttemptOutcomes.Paid)
            saga.ProviderRefundId ??= attempt.ProviderRefundId;
        else
        {
            saga.LastErrorCode = attempt.ErrorCode;
            saga.LastErrorMessage = Truncate(attempt.ErrorMessage, 1000);
        }

        // The provider replays this answer for the key: the next attempt looks up every key so far, then pays under a new one.
        if (attempt.KeySpent)
            saga.KeyGeneration++;

        saga.UpdatedAt = _clock.GetUtcNow();
        RefundAttemptRows.Add(x, new RefundAttemptRecord
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

    /// <summary>
    /// Two different provider refunds for one refund: flagged with both ids, support told at once (and the error
    /// statistics count it). Seen again, it changes nothing.
    /// </summary>
    async Task FlagPaidTwice(BehaviorContext<RefundState, RefundAttempted> x)
    {
        var (saga, attempt) = (x.Saga, x.Message);
        var second = new[] { attempt.ProviderRefundId, attempt.OtherProviderRefundId }
            .FirstOrDefault(id => id is not null && id != saga.ProviderRefundId);
        if (second is null || saga.ProviderRefundId is null || saga.SecondProviderRefundId is not null)
            return;

        saga.SecondProviderRefundId = second;
        saga.PaidTwiceAt = _clock.GetUtcNow();
        saga.UpdatedAt = saga.PaidTwiceAt.Value;
        await x.Publish(new RefundPaidTwice(saga.CorrelationId, saga.PaymentId, saga.Amount, saga.Currency, saga.Method, saga.ProviderRefundId,
            second, saga.PaidTwiceAt.Value));
    }

    void MarkRefunded(BehaviorContext<RefundState> x)
    {
        x.Saga.RefundedAt = _clock.GetUtcNow();
        x.Saga.NextAttemptAt = null;
        x.Saga.PaymentUncertain = false;
        x.Saga.ResolveThen = null;
        // Paid after all (even once cancelled): the money went out, so it counts against the payment.
        x.Saga.CountsAgainstPayment = true;
    }

    void Close(RefundState saga, string by, DateTimeOffset at, string note, bool countsAgainstPayment)
    {
        saga.ClosedBy = Truncate(by, 100);
        saga.ClosedAt = at;
        saga.CloseNote = Truncate(note, 1000);
        saga.CountsAgainstPayment = countsAgainstPayment;
        saga.UpdatedAt = _clock.GetUtcNow();
    }

    void Touch(BehaviorContext<RefundState> x) => x.Saga.UpdatedAt = _clock.GetUtcNow();

    sealed record BillingCancellation(string Detail);

    static async Task<bool> CancelledByBilling<T>(BehaviorContext<RefundState, T> x) where T : class
    {
        var detail = await RefundIntake.CancelledByBilling(x.GetServiceOrCreateInstance<BillingDbContext>(), x.Saga, x.CancellationToken);
        if (detail is null)
            return false;
        x.GetOrAddPayload(() => new BillingCancellation(detail));
        return true;
    }

    Task CloseForBilling<T>(BehaviorContext<RefundState, T> x) where T : class
    {
        Close(x.Saga, x.Saga.RequestedBy ?? "billing", _clock.GetUtcNow(), x.GetPayload<BillingCancellation>().Detail, countsAgainstPayment: false);
        return Task.CompletedTask;
    }

    static Task PublishCancelled<T>(BehaviorContext<RefundState, T> x) where T : class =>
        x.Publish(new RefundCancelled(x.Saga.CorrelationId, x.Saga.PaymentId, x.Saga.Amount, x.Saga.Currency, x.Saga.Method,
            x.Saga.ClosedBy!, x.Saga.ClosedAt!.Value));

    static RefundReconciled Reconciled(ReconcileRefund request, string outcome) => new(request.RunId, request.RefundId, outcome);

    static string? Truncate(string? text, int length) => text is { Length: > 0 } t && t.Length > length ? t[..length] : text;
}

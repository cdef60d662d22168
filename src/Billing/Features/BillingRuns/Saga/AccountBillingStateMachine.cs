using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.BillingRuns.Steps;
using Billing.Infrastructure.Messaging.Outbox;
using MassTransit;

namespace Billing.Features.BillingRuns.Saga;

/// <summary>
/// One account's billing for one statement date, correlated by (date, account): block duplicates → passbook → user data →
/// loan → validation → StatementReady (Ready) → every channel settled (Delivered). The steps run in one transition (<see cref="BillingStepRunner"/>), checkpointed in
/// the saga; a step that must wait (the cut-off) or retry later schedules a <see cref="ContinueBilling"/> to itself, and
/// one whose retries are spent halts there until <see cref="ResumeBilling"/>. Diagram: docs/billing.md.
/// </summary>
public class AccountBillingStateMachine : MassTransitStateMachine<AccountBillingState>
{
    readonly TimeProvider _clock;

    public AccountBillingStateMachine(TimeProvider clock)
    {
        _clock = clock;
        InstanceState(x => x.CurrentState);

        Event(() => Started, e =>
        {
            e.CorrelateById(x => BillingIds.Billing(x.Message.StatementDate, x.Message.AccountId));
            e.InsertOnInitial = true;
            e.SetSagaFactory(x => new AccountBillingState
            {
                CorrelationId = BillingIds.Billing(x.Message.StatementDate, x.Message.AccountId),
                RunId = x.Message.RunId,
                AccountId = x.Message.AccountId,
                StatementDate = x.Message.StatementDate,
                StartedAt = clock.GetUtcNow(),
            });
        });
        Event(() => Continued, e =>
        {
            e.CorrelateById(x => x.Message.BillingId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => Resumed, e =>
        {
            e.CorrelateById(x => x.Message.BillingId);
            e.OnMissingInstance(m => m.Discard());
        });

        // Imported statements have no billing saga; their deliveries (if any) end at the statement.
        Event(() => StatementDelivered, e =>
        {
            e.CorrelateById(x => BillingIds.Billing(x.Message.StatementDate, x.Message.AccountId));
            e.OnMissingInstance(m => m.Discard());
        });

        Initially(When(Started).ThenAsync(Bill));

        During(WaitingForCutoff, RetryScheduled,
            Ignore(Started),
            Ignore(Resumed),
            // A stale copy of an earlier continuation (another token) matches no behaviour and changes nothing.
            When(Continued, x => x.Message.Token == x.Saga.RetryTokenId).ThenAsync(Bill));

        During(Halted,
            Ignore(Started),
            Ignore(Continued),
            When(Resumed)
                .Then(x =>
                {
                    x.Saga.StepAttempts = 0;
                    x.Saga.FinishedAt = null;
                })
                .ThenAsync(Bill));

        During(Ready,
            Ignore(Started),
            Ignore(Continued),
            Ignore(Resumed),
            When(StatementDelivered, x => IsOwn(x.Saga, x.Message))
                .Then(RecordDelivery)
                .TransitionTo(Delivered));

        // A channel retried by support settles the statement again: the saga keeps the newer outcome.
        During(Delivered,
            Ignore(Started),
            Ignore(Continued),
            Ignore(Resumed),
            When(StatementDelivered, x => IsOwn(x.Saga, x.Message))
                .Then(RecordDelivery));
    }

    // A re-issue of the statement (a version of its own, docs/delivery.md) is delivered on its own: its outcome is not the
    // billed statement's, which the run counts. A filtered When leaves the event handled (nothing runs), so it never faults.
    static bool IsOwn(AccountBillingState saga, StatementDelivered delivered) =>
        saga.StatementId is not { } own || own == delivered.StatementId;

    void RecordDelivery(BehaviorContext<AccountBillingState, StatementDelivered> x)
    {
        x.Saga.Delivery = x.Message.Channels;
        x.Saga.DeliveryOutcome = x.Message.Outcome;
        x.Saga.DeliveredAt = _clock.GetUtcNow();
        x.Saga.UpdatedAt = x.Saga.DeliveredAt.Value;
    }

    public State WaitingForCutoff { get; private set; } = null!;
    public State RetryScheduled { get; private set; } = null!;
    public State Halted { get; private set; } = null!;
    public State Ready { get; private set; } = null!;

    /// <summary>Every channel of the statement has settled; <see cref="AccountBillingState.Delivery"/> says how.</summary>
    public State Delivered { get; private set; } = null!;

    public Event<BillAccount> Started { get; private set; } = null!;
    public Event<ContinueBilling> Continued { get; private set; } = null!;
    public Event<ResumeBilling> Resumed { get; private set; } = null!;
    public Event<StatementDelivered> StatementDelivered { get; private set; } = null!;

    async Task Bill(BehaviorContext<AccountBillingState> x)
    {
        var saga = x.Saga;
        var now = _clock.GetUtcNow();
        var work = new BillingWork(saga, x.GetServiceOrCreateInstance<ConsumeTransaction>(), now);
        var run = await x.GetServiceOrCreateInstance<BillingStepRunner>().Run(work, x.CancellationToken);
        saga.UpdatedAt = now;
        saga.RetryTokenId = null;

        switch (run.Outcome)
        {
            case StepOutcome.Ready:
                var statementId = BillingIds.Statement(saga.AccountId, saga.StatementDate);
                StatementWrites.Queue(work, statementId);
                saga.StatementId = statementId;
                saga.FinishedAt = now;
                var f = work.Figures!;
                await x.Publish(new StatementReady(statementId, saga.RunId, saga.AccountId, saga.StatementDate, f.ClosingBalance, f.MinimumDue,
                    f.DueDate, work.Loan!.Currency));
                await x.TransitionToState(Ready);
                break;

            case StepOutcome.Waiting or StepOutcome.RetryScheduled:
                saga.RetryTokenId = NewId.NextGuid();
                await x.ScheduleSend(x.ReceiveContext.InputAddress, run.ContinueAt!.Value.UtcDateTime,
                    new ContinueBilling(saga.CorrelationId, saga.RetryTokenId.Value));
                await x.TransitionToState(run.Outcome == StepOutcome.Waiting ? WaitingForCutoff : RetryScheduled);
                break;

            case StepOutcome.Halted:
                saga.FinishedAt = now;
                HaltRecords.Queue(work);
                await x.Publish(new BillingHalted(saga.CorrelationId, saga.RunId, saga.AccountId, saga.StatementDate, saga.Step!,
                    saga.HaltReason!, saga.HaltDetail));
                await x.TransitionToState(Halted);
                break;
        }
    }
}

using Billing.Contracts.Diagnostics;
using MassTransit;

namespace Billing.Features.Diagnostics;

/// <summary>
/// Counts additions to a tally and announces it complete once the expected number arrived.
/// Additions may arrive before the tally is opened and concurrently with each other: whichever message
/// comes first creates the instance, and the row lock applies the rest one at a time. Closing removes a
/// completed tally; closing one that does not exist is discarded (the missing-instance policy).
/// </summary>
public class TallyStateMachine : MassTransitStateMachine<TallyState>
{
    public TallyStateMachine()
    {
        InstanceState(x => x.CurrentState);

        Event(() => Opened, e =>
        {
            e.CorrelateById(x => x.Message.TallyId);
            e.InsertOnInitial = true;
            e.SetSagaFactory(x => new TallyState { CorrelationId = x.Message.TallyId });
        });
        // Additions usually find the tally already there, so they load first rather than try an insert every
        // time; the rare addition that creates it races on the primary key and the loser is retried (a load).
        Event(() => Added, e =>
        {
            e.CorrelateById(x => x.Message.TallyId);
            e.SetSagaFactory(x => new TallyState { CorrelationId = x.Message.TallyId });
        });

        Event(() => Closed, e =>
        {
            e.CorrelateById(x => x.Message.TallyId);
            e.OnMissingInstance(m => m.Discard());
        });

        Initially(
            When(Opened)
                .Then(x => x.Saga.ExpectedCount = x.Message.ExpectedCount)
                .TransitionTo(Counting),
            When(Added)
                .Then(x => x.Saga.Applied.Add(x.Message.Sequence))
                .TransitionTo(Counting));

        During(Counting,
            When(Opened)
                .Then(x => x.Saga.ExpectedCount = x.Message.ExpectedCount)
                .If(x => TallyRules.IsComplete(x.Saga), complete => complete.Then(MarkCompleted).Publish(x => Completion(x.Saga)).TransitionTo(Completed)),
            When(Added)
                .Then(x => x.Saga.Applied.Add(x.Message.Sequence))
                .If(x => TallyRules.IsComplete(x.Saga), complete => complete.Then(MarkCompleted).Publish(x => Completion(x.Saga)).TransitionTo(Completed)));

        During(Completed,
            Ignore(Opened),
            When(Closed).Finalize(),
            // Past the expected count: still recorded, so an over-count is visible rather than hidden.
            When(Added).Then(x => x.Saga.Applied.Add(x.Message.Sequence)));

        SetCompletedWhenFinalized();
    }

    public State Counting { get; private set; } = null!;
    public State Completed { get; private set; } = null!;

    public Event<OpenTally> Opened { get; private set; } = null!;
    public Event<AddToTally> Added { get; private set; } = null!;
    public Event<CloseTally> Closed { get; private set; } = null!;

    static void MarkCompleted(BehaviorContext<TallyState> context) => context.Saga.CompletedAt = DateTime.UtcNow;

    static TallyCompleted Completion(TallyState tally) => new() { TallyId = tally.CorrelationId, Count = tally.Applied.Count };
}

public static class TallyRules
{
    public static bool IsComplete(TallyState tally) => tally.ExpectedCount is { } expected && tally.Applied.Count >= expected;
}

using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Diagnostics;

/// <summary>The state machine alone, on MassTransit's in-memory test harness.</summary>
public class TallyStateMachineTests
{
    [Fact]
    public async Task Additions_that_arrive_before_the_open_still_complete_the_tally()
    {
        await using var provider = Harness();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var tallyId = NewId.NextGuid();
        await harness.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 1 });
        await harness.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 2 });
        await harness.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 2 });

        (await harness.Published.Any<TallyCompleted>(x => x.Context.Message.TallyId == tallyId)).ShouldBeTrue();
        var saga = harness.GetSagaStateMachineHarness<TallyStateMachine, TallyState>();
        var completed = saga.Sagas.Select(x => x.CorrelationId == tallyId).Single().Saga;
        completed.Applied.Order().ShouldBe([1, 2]);
        completed.CurrentState.ShouldBe("Completed");
    }

    [Fact]
    public async Task A_tally_short_of_its_additions_publishes_no_completion()
    {
        await using var provider = Harness();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var tallyId = NewId.NextGuid();
        await harness.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 3 });
        await harness.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 1 });

        (await harness.Consumed.Any<AddToTally>()).ShouldBeTrue();
        (await harness.Published.Any<TallyCompleted>()).ShouldBeFalse();
    }

    static ServiceProvider Harness() =>
        new ServiceCollection()
            .AddLogging() // without a logger of our own the harness writes its debug lines to the console
            .AddMassTransitTestHarness(x => x.AddSagaStateMachine<TallyStateMachine, TallyState>())
            .BuildServiceProvider(true);
}

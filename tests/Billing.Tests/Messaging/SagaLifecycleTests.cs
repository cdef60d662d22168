using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

public class SagaLifecycleTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task A_finalized_saga_is_removed_and_an_event_for_a_missing_saga_follows_its_discard_policy()
    {
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var closed = NewId.NextGuid();
        var unknown = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = closed, ExpectedCount = 1 });
        await bus.Bus.Publish(new AddToTally { TallyId = closed, Sequence = 1 });
        await Eventually.Until("the tally completed", async () => await State(closed) == "Completed");

        await bus.Bus.Publish(new CloseTally { TallyId = closed });
        await bus.Bus.Publish(new CloseTally { TallyId = unknown });
        await Eventually.Until("the closed tally removed", async () => await State(closed) is null);
        await stack.Ground.WaitUntilIdle();

        (await State(unknown)).ShouldBeNull("closing an unknown tally must not create one");
        worker.Output.ShouldNotContain("R-FAULT");
    }

    async Task<string?> State(Guid tallyId)
    {
        await using var command = stack.DataSource.CreateCommand("select current_state from diagnostics.tally_state where correlation_id = $1");
        command.Parameters.AddWithValue(tallyId);
        return await command.ExecuteScalarAsync() as string;
    }
}

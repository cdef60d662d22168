using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

[Collection(StackCollection.Name)]
public class SagaLifecycleTests(StackFixture stack)
{
    [Fact]
    public async Task A_finalized_saga_is_removed_and_an_event_for_a_missing_saga_follows_its_discard_policy()
    {
        await using var worker = WorkerProcess.Start(stack);
        await stack.WaitForConsumers("tally-state", 1, TimeSpan.FromSeconds(60));
        await using var bus = await TestBus.Start(stack);

        var closed = NewId.NextGuid();
        var unknown = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = closed, ExpectedCount = 1 });
        await bus.Bus.Publish(new AddToTally { TallyId = closed, Sequence = 1 });
        await Eventually.Get(async () => await State(closed) == "Completed" ? "completed" : null, TimeSpan.FromSeconds(30));

        await bus.Bus.Publish(new CloseTally { TallyId = closed });
        await bus.Bus.Publish(new CloseTally { TallyId = unknown });
        await Eventually.Get(async () => await State(closed) is null ? "removed" : null, TimeSpan.FromSeconds(30));

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

using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

[Collection(StackCollection.Name)]
public class OutboxCrashTests(StackFixture stack)
{
    [Fact]
    public async Task A_message_committed_by_a_worker_killed_before_sending_it_is_delivered_once_after_restart()
    {
        await using var bus = await TestBus.Start(stack);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 40, additions: 3);

        await using (var doomed = WorkerProcess.Start(stack, new Dictionary<string, string> { ["Faults__KillAfterCommits"] = "5" }))
        {
            await stack.WaitForConsumers("tally-state", 1, TimeSpan.FromSeconds(60));
            await run.Publish(CancellationToken.None);

            (await doomed.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBeTrue($"the worker should have killed itself after its fifth completion commit\n{doomed.Output}");
            doomed.ExitCode.ShouldNotBe(0, doomed.Output);
            doomed.Output.ShouldContain("Fault injection: killing the process", Case.Sensitive, doomed.Output);
        }

        // The completion committed by the killed worker is still in the outbox: it never reached RabbitMQ.
        (await UnsentOutboxMessages()).ShouldBeGreaterThan(0, "no unsent message was left by the killed worker");

        await using var survivor = WorkerProcess.Start(stack);
        var finished = await run.WaitForReceipts(TimeSpan.FromSeconds(90), null, CancellationToken.None);

        var result = await run.Read(CancellationToken.None);
        finished.ShouldBeTrue($"receipts: {result.Receipts} of 40\n{survivor.Output}");
        result.ExactlyApplied.ShouldBe(40);
        result.ReceiptsWithOneEffect.ShouldBe(40);
        (await UnsentOutboxMessages()).ShouldBe(0);
    }

    [Fact]
    public async Task What_a_killed_worker_committed_is_delivered_by_the_sweeper_when_its_inbound_message_is_gone()
    {
        await using var bus = await TestBus.Start(stack);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 40, additions: 3);

        await using (var doomed = WorkerProcess.Start(stack, new Dictionary<string, string> { ["Faults__KillAfterCommits"] = "3" }))
        {
            await stack.WaitForConsumers("tally-state", 1, TimeSpan.FromSeconds(60));
            await run.Publish(CancellationToken.None);
            (await doomed.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBeTrue("the worker should have killed itself after its third completion commit");
        }

        // Nobody will redeliver the inbound messages now: only the sweeper can finish what was committed.
        await stack.PurgeQueue("tally-state");
        (await UnsentOutboxMessages()).ShouldBeGreaterThan(0);

        await using var sweeper = WorkerProcess.Start(stack, new Dictionary<string, string>
        {
            ["Inbox__SweepInterval"] = "00:00:01",
            ["Inbox__SweepAfter"] = "00:00:01",
        });
        await Eventually.Get(async () => await UnsentOutboxMessages() == 0 ? "swept" : null, TimeSpan.FromSeconds(60));

        var result = await Eventually.Get(async () =>
        {
            var read = await run.Read(CancellationToken.None);
            return read.Receipts == read.Completed ? read : null;
        }, TimeSpan.FromSeconds(30));
        result.Completed.ShouldBeGreaterThan(0);
        result.ReceiptsWithOneEffect.ShouldBe(result.Completed);
        sweeper.Output.ShouldContain("Delivered the outbox of");
    }

    [Fact]
    public async Task A_message_delivered_twice_with_the_same_id_is_applied_once()
    {
        await using var worker = WorkerProcess.Start(stack);
        await stack.WaitForConsumers("tally-state", 1, TimeSpan.FromSeconds(60));
        await using var bus = await TestBus.Start(stack);

        var tallyId = NewId.NextGuid();
        var duplicateId = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 2 });
        for (var i = 0; i < 5; i++)
            await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 1 }, ctx => ctx.MessageId = duplicateId);
        await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 2 });

        var applied = await Eventually.Get(async () =>
        {
            await using var command = stack.DataSource.CreateCommand("select applied from diagnostics.tally_state where correlation_id = $1 and current_state = 'Completed'");
            command.Parameters.AddWithValue(tallyId);
            return await command.ExecuteScalarAsync() as int[];
        }, TimeSpan.FromSeconds(30));

        applied.Order().ShouldBe([1, 2]);
    }

    async Task<long> UnsentOutboxMessages()
    {
        await using var command = stack.DataSource.CreateCommand("select count(*) from messaging.outbox_message");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

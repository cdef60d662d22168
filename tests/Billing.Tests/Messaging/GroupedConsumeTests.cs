using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

/// <summary>
/// Consume groups (Messaging:Grouping): several deliveries of the tally saga's endpoint in one transaction. The messages
/// are queued before the worker starts, so its concurrent deliveries meet at the group. That a group formed is read from
/// the inbox: its members' rows are written in one transaction, so they share one consumed time (Postgres's now()).
/// </summary>
public class GroupedConsumeTests(StackFixture stack) : IClassFixture<StackFixture>
{
    static Dictionary<string, string> Grouped(string wait = "00:00:00") => new()
    {
        ["RabbitMq__PrefetchCount"] = "16",
        ["Messaging__Grouping__tally-state__Size"] = "8",
        ["Messaging__Grouping__tally-state__Wait"] = wait,
        // The group that gives its messages back says why, at information level.
        ["Logging__LogLevel__Billing.Infrastructure.Messaging.Grouping"] = "Information",
    };

    [Fact]
    public async Task Two_events_of_one_saga_in_one_group_apply_in_order_and_each_once()
    {
        await using var bus = await TestBus.Start(stack.Ground);
        await EnsureQueues(bus);
        var tallyId = NewId.NextGuid();
        var messageIds = Enumerable.Range(0, 4).Select(_ => NewId.NextGuid()).ToArray();
        await bus.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 3 }, c => c.MessageId = messageIds[0]);
        for (var sequence = 1; sequence <= 3; sequence++)
            await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = sequence }, c => c.MessageId = messageIds[sequence]);

        // A wait long enough that the four prefetched deliveries all join before the group commits.
        await using var worker = await stack.StartWorker(Grouped(wait: "00:00:00.500"));

        var applied = await Eventually.Found("the tally completed", async () =>
        {
            await using var command = stack.DataSource.CreateCommand(
                "select applied from diagnostics.tally_state where correlation_id = $1 and current_state = 'Completed'");
            command.Parameters.AddWithValue(tallyId);
            return await command.ExecuteScalarAsync() as int[];
        });

        // Each addition saw the one before it: without the writes sent between members the later ones read a stale row.
        applied.Order().ShouldBe([1, 2, 3]);
        (await stack.Count("select count(distinct consumed) from messaging.inbox_state where message_id = any($1)", messageIds))
            .ShouldBe(1, "the four events were consumed in one transaction");
    }

    [Fact]
    public async Task A_poison_message_in_a_group_goes_alone_to_the_error_queue_and_its_neighbours_commit()
    {
        // Postgres refuses this one tally: an open with 13 expected can never be stored.
        await using (var refuse = stack.DataSource.CreateCommand(
            "alter table diagnostics.tally_state add constraint poison_for_the_test check (expected_count is distinct from 13)"))
            await refuse.ExecuteNonQueryAsync();
        await using var bus = await TestBus.Start(stack.Ground);
        await EnsureQueues(bus);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 30, additions: 1);
        await run.Publish(CancellationToken.None);
        var poison = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = poison, ExpectedCount = 13 });

        await using var worker = await stack.StartWorker(Grouped());

        await Eventually.Until("a receipt for every good tally", async () => await run.CountReceipts(CancellationToken.None) == 30);
        var error = await Eventually.Found("the poison in tally-state_error", async () =>
            (await stack.Queues()).FirstOrDefault(q => q.Name == "tally-state_error" && q.Messages > 0));
        error.Messages.ShouldBe(1, "only the poison message is set aside");

        var result = await run.Read(CancellationToken.None);
        result.ExactlyApplied.ShouldBe(30);
        result.ReceiptsWithOneEffect.ShouldBe(30);
        (await stack.Count("select count(*) from diagnostics.tally_state where correlation_id = $1", poison)).ShouldBe(0);
        worker.Output.ShouldContain("gave its messages back to be consumed alone: 23514", Case.Sensitive,
            "the poison spoiled a group, whose members then went alone");
        (await SharedConsumeTimes()).ShouldBeGreaterThan(0, "groups formed");
    }

    [Fact]
    public async Task A_worker_killed_between_a_groups_commit_and_its_acknowledgements_applies_each_message_once()
    {
        await using var completions = await MessageProbe<TallyCompleted>.Start(stack.Ground);
        await using var bus = await TestBus.Start(stack.Ground);
        await EnsureQueues(bus);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 60, additions: 3);
        await run.Publish(CancellationToken.None);

        // Killed right after the commit of the 10th completion: the group's other members are committed, not acknowledged.
        await using (var doomed = await stack.StartWorker(new Dictionary<string, string>(Grouped()) { ["Faults__KillAfterCommits"] = "10" }))
        {
            (await doomed.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBeTrue($"the worker should have killed itself\n{doomed.Output}");
            doomed.Output.ShouldContain("Fault injection: killing the process", Case.Sensitive, doomed.Output);
        }

        (await SharedConsumeTimes()).ShouldBeGreaterThan(0, "the killed worker consumed in groups");

        await using var survivor = await stack.StartWorker(Grouped());
        await Eventually.Until("a receipt for every tally", async () => await run.CountReceipts(CancellationToken.None) == 60);

        await Eventually.Until("the outbox delivered", async () => await stack.Count("select count(*) from messaging.outbox_message") == 0);
        await Eventually.Until("every completion at the probe", () =>
            Task.FromResult(run.TallyIds.All(id => completions.Deliveries.Any(d => d.Message.TallyId == id))));

        var result = await run.Read(CancellationToken.None);
        result.ExactlyApplied.ShouldBe(60);
        result.ReceiptsWithOneEffect.ShouldBe(60);
        var byTally = completions.Deliveries.GroupBy(d => d.Message.TallyId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var tally in run.TallyIds)
            byTally.GetValueOrDefault(tally).ShouldBe(1, $"tally {tally}'s completion reaches RabbitMQ once");
    }

    // A first worker run creates the queue, so what is published before the next start waits there.
    async Task EnsureQueues(TestBus bus)
    {
        if ((await stack.Queues()).Any(q => q.Name == "tally-state"))
            return;
        await using var first = await stack.StartWorker();
    }

    Task<long> SharedConsumeTimes() =>
        stack.Count("select count(*) from (select consumed from messaging.inbox_state group by consumer_id, consumed having count(*) > 1) shared");
}

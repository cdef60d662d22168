using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

/// <summary>
/// Workers that kill themselves right after a consumer's commit, before its messages reach RabbitMQ. They consume one
/// message at a time (prefetch 1) and leave delivery to others (Faults:KillAfterCommits turns theirs off), so at the kill
/// nothing they committed is half sent: every completion must then reach the transport exactly once, which a probe without
/// an inbox counts.
/// </summary>
public class OutboxCrashTests(StackFixture stack) : IClassFixture<StackFixture>
{
    static readonly Dictionary<string, string> OneAtATime = new() { ["RabbitMq__PrefetchCount"] = "1" };

    [Fact]
    public async Task A_message_committed_by_a_worker_killed_before_sending_it_reaches_rabbitmq_once_after_restart()
    {
        await using var completions = await MessageProbe<TallyCompleted>.Start(stack.Ground);
        await using var bus = await TestBus.Start(stack.Ground);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 40, additions: 3);

        await using (var doomed = await stack.StartWorker(Doomed(afterCommits: 5)))
        {
            await run.Publish(CancellationToken.None);
            await ExpectSuicide(doomed);
        }

        (await UnsentOutboxMessages()).ShouldBeGreaterThan(0, "the killed worker's last commit is still in the outbox");

        await using var survivor = await stack.StartWorker();
        await Eventually.Until("a receipt for every tally", async () => await run.CountReceipts(CancellationToken.None) == 40);
        await stack.Ground.WaitUntilIdle();

        var result = await run.Read(CancellationToken.None);
        result.ExactlyApplied.ShouldBe(40);
        result.ReceiptsWithOneEffect.ShouldBe(40);
        OncePerTally(completions, run.TallyIds);
        (await UnsentOutboxMessages()).ShouldBe(0);
    }

    [Fact]
    public async Task What_a_killed_worker_committed_reaches_rabbitmq_once_through_two_delivering_workers_when_its_inbound_message_is_gone()
    {
        await using var completions = await MessageProbe<TallyCompleted>.Start(stack.Ground);
        await using var bus = await TestBus.Start(stack.Ground);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 40, additions: 3);

        await using (var doomed = await stack.StartWorker(Doomed(afterCommits: 3)))
        {
            await run.Publish(CancellationToken.None);
            await ExpectSuicide(doomed);
        }

        // Nobody will redeliver the inbound messages now: the committed rows are the delivery services' alone.
        await stack.PurgeQueue("tally-state");
        var stranded = await UnsentOutboxMessages();
        stranded.ShouldBeGreaterThan(0);

        // Two delivery services at once, both woken at start: each row must be claimed by one of them (FOR UPDATE SKIP LOCKED).
        await using var first = await stack.StartWorker();
        await using var second = await stack.StartWorker();
        await Eventually.Until("the outbox to be delivered", async () => await UnsentOutboxMessages() == 0);
        await stack.Ground.WaitUntilIdle();

        var result = await run.Read(CancellationToken.None);
        result.Completed.ShouldBeGreaterThan(0);
        result.Receipts.ShouldBe(result.Completed);
        result.ReceiptsWithOneEffect.ShouldBe(result.Completed);
        // Only this run's tallies: the class's ground is shared with the other tests here.
        var completed = completions.Received.Select(c => c.TallyId).Where(run.TallyIds.Contains).Distinct().ToList();
        completed.Count.ShouldBe(result.Completed);
        OncePerTally(completions, completed);
    }

    [Fact]
    public async Task A_message_delivered_twice_with_the_same_id_is_applied_once()
    {
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var tallyId = NewId.NextGuid();
        var duplicateId = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 2 });
        for (var i = 0; i < 5; i++)
            await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 1 }, ctx => ctx.MessageId = duplicateId);
        await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 2 });

        var applied = await Eventually.Found("the tally completed", async () =>
        {
            await using var command = stack.DataSource.CreateCommand("select applied from diagnostics.tally_state where correlation_id = $1 and current_state = 'Completed'");
            command.Parameters.AddWithValue(tallyId);
            return await command.ExecuteScalarAsync() as int[];
        });

        applied.Order().ShouldBe([1, 2]);
    }

    static Dictionary<string, string> Doomed(int afterCommits) => new(OneAtATime) { ["Faults__KillAfterCommits"] = afterCommits.ToString() };

    static async Task ExpectSuicide(WorkerProcess doomed)
    {
        (await doomed.WaitForExit(TimeSpan.FromSeconds(60))).ShouldBeTrue($"the worker should have killed itself after a completion commit\n{doomed.Output}");
        doomed.ExitCode.ShouldNotBe(0, doomed.Output);
        doomed.Output.ShouldContain("Fault injection: killing the process", Case.Sensitive, doomed.Output);
    }

    static void OncePerTally(MessageProbe<TallyCompleted> completions, IEnumerable<Guid> tallies)
    {
        var byTally = completions.Deliveries.GroupBy(d => d.Message.TallyId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var tally in tallies)
            byTally.GetValueOrDefault(tally).ShouldBe(1, $"tally {tally}'s completion reaches RabbitMQ once");
    }

    Task<long> UnsentOutboxMessages() => stack.Count("select count(*) from messaging.outbox_message");
}

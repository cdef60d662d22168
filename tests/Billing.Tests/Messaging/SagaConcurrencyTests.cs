using Billing.Contracts.Diagnostics;
using Billing.Features.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

public class SagaConcurrencyTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Two_workers_apply_each_of_ten_concurrent_events_to_a_thousand_sagas_exactly_once_through_a_postgres_and_a_rabbitmq_restart()
    {
        await using var first = await stack.StartWorker();
        await using var second = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        // Scheduled messages due after both restarts: none may be lost or applied twice. The restarts took 47 s on a
        // CI machine (and under 30 s here), so they fall due well after.
        var due = DateTime.UtcNow.AddSeconds(90);
        var pings = Enumerable.Range(0, 100).Select(_ => NewId.NextGuid()).ToList();
        foreach (var id in pings)
            await bus.Schedule(due, new Ping { PingId = id, ScheduledFor = due });

        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 1000, additions: 10);
        await run.Publish(CancellationToken.None);
        var before = await Eventually.Get("the run under way", () => run.CountReceipts(CancellationToken.None), n => n >= 20);
        before.ShouldBeLessThan(1000, "the restarts must come while sagas are unfinished");

        await StackServers.RestartPostgres();
        await StackServers.RestartRabbitMq();
        DateTime.UtcNow.ShouldBeLessThan(due, "the scheduled messages fall due after the restarts");

        await Eventually.Get("a receipt for each of the 1000 tallies", () => run.CountReceipts(CancellationToken.None), n => n == 1000,
            TimeSpan.FromMinutes(4), n => $"{n} receipts");
        await Eventually.Get("a receipt for each scheduled ping", () => stack.Count(
            "select count(*) from diagnostics.ping_receipt where ping_id = any($1)", pings.ToArray()), n => n == pings.Count, TimeSpan.FromMinutes(2));
        await stack.Ground.WaitUntilIdle(TimeSpan.FromMinutes(2));

        var result = await run.Read(CancellationToken.None);
        result.Completed.ShouldBe(1000);
        result.ExactlyApplied.ShouldBe(1000);
        result.ReceiptsWithOneEffect.ShouldBe(1000);
        (await stack.Count("select count(*) from diagnostics.ping_receipt where ping_id = any($1) and effects = 1", pings.ToArray()))
            .ShouldBe(pings.Count, "each scheduled ping applied once");
        (await stack.Queues()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ShouldBeEmpty("no message was given up on");
        first.HasExited.ShouldBeFalse(first.Output);
        second.HasExited.ShouldBeFalse(second.Output);
        // Ten concurrent first events per saga: the losers wait on the creation lock and load the winner's row; a lost race
        // never shows as an exception and a retry (it did, as 23505 on tally_state_pkey, before the creation lock).
        (first.Output + second.Output).ShouldNotContain("duplicate key");
    }

    [Fact]
    public async Task A_database_outage_of_a_minute_leaves_every_message_in_its_queue_and_each_saga_exactly_applied_afterwards()
    {
        // Longer than the transient-fault retry's whole budget (about 61 s of waits): without the breaker holding every
        // delivery while Postgres is away, the messages in flight would use up their attempts and go to _error (broken
        // once by letting PostgresAvailabilityFilter pass straight through: 8 of the 300 tallies never completed, their
        // messages given up on).
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 300, additions: 10);
        await run.Publish(CancellationToken.None);
        await Eventually.Get("the run under way", () => run.CountReceipts(CancellationToken.None), n => n >= 10);

        await StackServers.StopPostgresFor(TimeSpan.FromSeconds(65));

        await Eventually.Get("a receipt for each of the 300 tallies", () => run.CountReceipts(CancellationToken.None), n => n == 300,
            TimeSpan.FromMinutes(3), n => $"{n} receipts");
        await stack.Ground.WaitUntilIdle(TimeSpan.FromMinutes(2));

        var result = await run.Read(CancellationToken.None);
        result.ExactlyApplied.ShouldBe(300);
        result.ReceiptsWithOneEffect.ShouldBe(300);
        (await stack.Queues()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ShouldBeEmpty("no message was given up on");
        worker.HasExited.ShouldBeFalse(worker.Output);
        // Said once when it went and once when it came back, not once per message.
        Occurrences(worker.Output, "Postgres is unreachable").ShouldBe(1, worker.Output);
        Occurrences(worker.Output, "Postgres answers again").ShouldBe(1, worker.Output);
    }

    static int Occurrences(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}

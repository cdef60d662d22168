using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

/// <summary>Input that can never be processed: it is set aside with its reason, and everything after it goes on.</summary>
public class PoisonTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task A_message_that_cannot_be_read_goes_to_the_error_queue_at_once_and_the_messages_after_it_are_applied()
    {
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);
        using (var management = TestGround.Management())
            await management.PublishRaw(stack.VirtualHost, "tally-state", "{\"message\": {\"tallyId\": ", "application/vnd.masstransit+json");

        var tallyId = NewId.NextGuid();
        await bus.Bus.Publish(new OpenTally { TallyId = tallyId, ExpectedCount = 1 });
        await bus.Bus.Publish(new AddToTally { TallyId = tallyId, Sequence = 1 });

        await Eventually.Until("the tally after the poison completed", async () =>
            await stack.Count("select count(*) from diagnostics.tally_state where correlation_id = $1 and current_state = 'Completed'", tallyId) == 1);
        var error = await Eventually.Found("the poison in tally-state_error", async () =>
            (await stack.Queues()).FirstOrDefault(q => q.Name == "tally-state_error" && q.Messages > 0));
        error.Messages.ShouldBe(1);
        worker.HasExited.ShouldBeFalse(worker.Output);
    }

    [Fact]
    public async Task A_scheduled_message_that_cannot_be_sent_holds_up_none_due_after_it_and_resends_none_before_it()
    {
        // Before the fix the dispatcher sent the batch, failed on the bad row, rolled back and started again: the first
        // ping went out every second and the second never.
        await using var pings = await MessageProbe<Ping>.Start(stack.Ground);
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var due = DateTime.UtcNow.AddSeconds(2);
        var before = NewId.NextGuid();
        var after = NewId.NextGuid();
        await bus.Schedule(due, new Ping { PingId = before, ScheduledFor = due });
        await bus.ScheduleSend(new Uri("nowhere://no-such-broker/no-queue"), due.AddMilliseconds(10), new Ping { PingId = NewId.NextGuid(), ScheduledFor = due });
        await bus.Schedule(due.AddMilliseconds(20), new Ping { PingId = after, ScheduledFor = due });

        // Two failed sends: the dispatcher has been past the bad row twice, so a re-send of the rows before it would show.
        var bad = await Eventually.Get("the unsendable row tried twice", () => stack.Count(
            "select coalesce(max(send_attempts), 0) from messaging.scheduled_message where destination_address like 'nowhere:%'"),
            attempts => attempts >= 2);
        await stack.Ground.WaitUntilDrained(pings.Queue);

        pings.Received.Count(p => p.PingId == before).ShouldBe(1, "the ping due before the bad row is sent once");
        pings.Received.Count(p => p.PingId == after).ShouldBe(1, "the ping due after the bad row is sent");
        (await stack.Count("select count(*) from messaging.scheduled_message where destination_address like 'nowhere:%' and last_error is not null and due_at > now()"))
            .ShouldBe(1, "the bad row waits for its next try, with its reason");
        bad.ShouldBeGreaterThanOrEqualTo(2);
    }
}

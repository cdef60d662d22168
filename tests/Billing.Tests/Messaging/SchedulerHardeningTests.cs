using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;
using MassTransit.Scheduling;
using Xunit.Abstractions;

namespace Billing.Tests.Messaging;

/// <summary>
/// The scheduler and the outbox delivery service under bad rows and repeated commands: a row that never sends is set aside, a
/// ScheduleMessage repeated after its firing or overtaken by its cancel fires nothing, and an outbox row that cannot be
/// sent holds up no other row.
/// </summary>
public class SchedulerHardeningTests(StackFixture stack, ITestOutputHelper output) : IClassFixture<StackFixture>
{
    static readonly Uri SchedulerQueue = new("queue:scheduler");

    // Ping's publish exchange, where the probe's queue is bound (its own queue is auto-delete and non-durable, so an
    // address "queue:probe-…" would have the sender declare it durable and fail).
    static readonly Uri PingExchange = new("exchange:Billing.Contracts.Diagnostics:Ping");

    [Fact]
    public async Task A_scheduled_message_that_never_sends_is_set_aside_while_500_others_arrive_once_each_within_seconds_of_their_due_times()
    {
        // Catches the set-aside step never taken (broken once as `attempts >= int.MaxValue`: the row stays in
        // scheduled_message, tried for ever, and the wait for it in the set-aside table times out), and a dispatcher that
        // lets the bad row hold up the rest (the pings come late or not at all).
        await using var pings = await MessageProbe<Ping>.Start(stack.Ground);
        await using var worker = await stack.StartWorker(new Dictionary<string, string> { ["Scheduler__MaxSendAttempts"] = "3" });
        await using var bus = await TestBus.Start(stack.Ground);

        // Due over five seconds starting well after the last one is scheduled, so each is on the table before it is due.
        var start = DateTime.UtcNow.AddSeconds(10);
        await bus.ScheduleSend(new Uri("nowhere://no-such-broker/no-queue"), start, new Ping { PingId = NewId.NextGuid(), ScheduledFor = start });
        var due = Enumerable.Range(0, 500).ToDictionary(_ => NewId.NextGuid(), n => start.AddMilliseconds(10 * n));
        foreach (var chunk in due.Chunk(25))
            await Task.WhenAll(chunk.Select(p => bus.Schedule(p.Value, new Ping { PingId = p.Key, ScheduledFor = p.Value })));
        DateTime.UtcNow.ShouldBeLessThan(start, "every ping must be scheduled before the first is due");

        await Eventually.Until("every ping at the probe", () => due.Keys.ToHashSet().IsSubsetOf(pings.Received.Select(p => p.PingId)));
        await Eventually.Until("the unsendable row set aside", async () =>
            await stack.Count("select count(*) from messaging.scheduled_message_set_aside") == 1);
        await stack.Ground.WaitUntilIdle();

        var deliveries = pings.Deliveries.Where(d => due.ContainsKey(d.Message.PingId)).ToList();
        deliveries.Count.ShouldBe(500, "each ping is sent once");
        var lateness = deliveries.Select(d => (d.ReceivedAt - due[d.Message.PingId]).TotalSeconds).Order().ToList();
        // Measured alone on the 2-core machine: max 0.5 to 1.4 s (median 0.2 to 0.5 s); up to 6.7 s while other test runs
        // loaded it (load average 10), which fails this bound.
        var figures = $"lateness s: min {lateness[0]:F3}, median {lateness[250]:F3}, p99 {lateness[494]:F3}, max {lateness[^1]:F3}";
        output.WriteLine(figures);
        lateness[0].ShouldBeGreaterThan(-0.05, $"none before it is due; {figures}");
        // The aim is "within a second"; a 2-core machine busy with two workers, Postgres and RabbitMQ stretches the tail.
        lateness[250].ShouldBeLessThan(1, $"half of them within a second of their due time; {figures}");
        lateness[^1].ShouldBeLessThan(5, $"none more than a few seconds late; {figures}");

        (await stack.Count("""
            select count(*) from messaging.scheduled_message_set_aside
            where destination_address like 'nowhere:%' and send_attempts = 3 and last_error is not null
            """)).ShouldBe(1, "the bad row is set aside with its attempts and reason");
        Occurrences(worker.Output, "set aside after").ShouldBe(1, "logged once");
    }

    [Fact]
    public async Task A_schedule_message_delivered_again_after_its_message_fired_fires_nothing()
    {
        // Catches the schedule consumer without its tombstone check (broken once by removing its `where not exists`: the
        // second command re-created the fired row and the probe counted the ping twice); a dispatcher that deletes a sent
        // row without its 'fired' tombstone should fail it the same way (not tried).
        await using var pings = await MessageProbe<Ping>.Start(stack.Ground);
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var token = NewId.NextGuid();
        var ping = new Ping { PingId = NewId.NextGuid(), ScheduledFor = DateTime.UtcNow.AddSeconds(1) };
        var scheduler = await bus.Bus.GetSendEndpoint(SchedulerQueue);
        var command = new ScheduleMessageCommand<Ping>(ping.ScheduledFor.UtcDateTime, PingExchange, ping, token);

        await scheduler.Send<ScheduleMessage>(command);
        await Eventually.Until("the ping fired", () => pings.Received.Any(p => p.PingId == ping.PingId));
        await stack.Ground.WaitUntilIdle();

        await scheduler.Send<ScheduleMessage>(command);
        await Eventually.Until("the repeat consumed", async () =>
            (await stack.Queues()).Any(q => q.Name == "scheduler" && q.Messages == 0));
        await stack.Ground.WaitUntilIdle();

        pings.Received.Count(p => p.PingId == ping.PingId).ShouldBe(1, "the repeated schedule fires nothing");
        (await stack.Count("select count(*) from messaging.schedule_tombstone where token_id = $1 and reason = 'fired'", token)).ShouldBe(1);
    }

    [Fact]
    public async Task A_cancel_that_arrives_before_its_schedule_cancels_it()
    {
        // Catches the schedule consumer ignoring the cancel's tombstone (broken once by removing its `where not exists`:
        // the ping fired); a cancel consumer that leaves no tombstone would fail it at the wait for the tombstone.
        await using var pings = await MessageProbe<Ping>.Start(stack.Ground);
        await using var worker = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var token = NewId.NextGuid();
        var ping = new Ping { PingId = NewId.NextGuid(), ScheduledFor = DateTime.UtcNow.AddSeconds(1) };
        var scheduler = await bus.Bus.GetSendEndpoint(SchedulerQueue);

        await scheduler.Send<CancelScheduledMessage>(new CancelScheduledMessageCommand(token));
        // The two commands share a queue consumed concurrently: the cancel must be handled before the schedule is sent.
        await Eventually.Until("the cancel handled", async () =>
            await stack.Count("select count(*) from messaging.schedule_tombstone where token_id = $1 and reason = 'cancelled'", token) == 1);
        await scheduler.Send<ScheduleMessage>(new ScheduleMessageCommand<Ping>(ping.ScheduledFor.UtcDateTime, PingExchange, ping, token));
        await stack.Ground.WaitUntilIdle();

        // Idle means the scheduler queue is empty and no row is waiting: a row stored by the schedule would have fired by now.
        pings.Received.ShouldNotContain(p => p.PingId == ping.PingId);
    }

    [Fact]
    public async Task An_outbox_row_that_cannot_be_sent_holds_up_no_other_row_resends_none_and_is_set_aside_after_its_attempts()
    {
        // Catches a failing row that stops the batch or rolls it back: the rows before it would be re-sent every round
        // (seen twice at the probe) and the rows after it never sent. Broken once by rethrowing from the send instead of
        // putting the row off: the good rows' pings then never reached the probe.
        await using var pings = await MessageProbe<Ping>.Start(stack.Ground);
        var before = NewId.NextGuid();
        var after = NewId.NextGuid();
        await OutboxRow(PingExchange.ToString(), before);
        var bad = await OutboxRow("nowhere://x", NewId.NextGuid());
        await OutboxRow(PingExchange.ToString(), after);

        await using var worker = await stack.StartWorker(new Dictionary<string, string>
        {
            ["Outbox__MaxSendAttempts"] = "3",
            ["Outbox__PollInterval"] = "00:00:00.200",
        });

        await Eventually.Until("both good rows' pings at the probe", () =>
            pings.Received.Any(p => p.PingId == before) && pings.Received.Any(p => p.PingId == after));
        // Three failed sends of the bad row (1 s and 2 s apart): the service has been past all three rows three times.
        var reason = await Eventually.Found("the bad row set aside with its reason", async () =>
        {
            await using var command = stack.DataSource.CreateCommand(
                "select last_error from messaging.outbox_message_set_aside where message_id = $1 and send_attempts = 3");
            command.Parameters.AddWithValue(bad);
            return await command.ExecuteScalarAsync() as string;
        });
        await Eventually.Until("the probe drained", async () => (await stack.Queues()).Any(q => q.Name == pings.Queue && q.Messages == 0));

        pings.Received.Count(p => p.PingId == before).ShouldBe(1, "the row before the bad one is sent once");
        pings.Received.Count(p => p.PingId == after).ShouldBe(1, "the row after the bad one is sent once");
        reason.ShouldContain("nowhere");
        (await stack.Count("select count(*) from messaging.outbox_message where message_id = $1", bad)).ShouldBe(0, "set aside, out of the way");
        worker.Output.ShouldContain("could not be sent (attempt 1 of 3)");
        worker.Output.ShouldContain("set aside after 3 failed sends");
    }

    /// <summary>One committed outbox row holding a Ping, as a consumer's commit leaves it; returns its MessageId.</summary>
    async Task<Guid> OutboxRow(string destination, Guid pingId)
    {
        var messageId = NewId.NextGuid();
        var body = $$"""
            {"messageId":"{{messageId}}","destinationAddress":"{{destination}}","messageType":["urn:message:Billing.Contracts.Diagnostics:Ping"],
             "message":{"pingId":"{{pingId}}","scheduledFor":"{{DateTime.UtcNow:O}}"},"sentTime":"{{DateTime.UtcNow:O}}"}
            """;
        await using var command = stack.DataSource.CreateCommand("""
            insert into messaging.outbox_message (inbox_message_id, inbox_consumer_id, message_id, destination_address, sent_time,
                content_type, message_type, body)
            values ($1, $2, $3, $4, now(), 'application/vnd.masstransit+json', 'urn:message:Billing.Contracts.Diagnostics:Ping', $5)
            """);
        command.Parameters.AddWithValue(NewId.NextGuid());
        command.Parameters.AddWithValue(NewId.NextGuid());
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(destination);
        command.Parameters.AddWithValue(body);
        await command.ExecuteNonQueryAsync();
        return messageId;
    }

    static int Occurrences(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}

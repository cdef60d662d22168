using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

public class SchedulerTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task A_consumer_that_fails_three_times_is_redelivered_at_exponentially_growing_intervals()
    {
        await using var worker = await stack.StartWorker(new Dictionary<string, string>
        {
            ["Diagnostics__RedeliveryIntervalDelta"] = "00:00:01",
            ["Diagnostics__RedeliveryLimit"] = "5",
        });
        await using var bus = await TestBus.Start(stack.Ground);

        var probeId = NewId.NextGuid();
        await bus.Bus.Publish(new ProbeRedelivery { ProbeId = probeId, FailTimes = 3 });

        var attempts = await Eventually.Get("four deliveries of the probe", () => Attempts(probeId), seen => seen.Count >= 4,
            describe: seen => $"{seen.Count} deliveries");
        await stack.Ground.WaitUntilIdle();
        (await Attempts(probeId)).Count.ShouldBe(4, "the fourth delivery succeeds, so there is no fifth");

        // MassTransit's exponential policy: interval n ≈ 2^n × delta with random jitter (±20 % nominally; seen down to −23 %
        // on MassTransit 8.5). Never much shorter than that; longer by the trip through the scheduler queue, its 200 ms
        // poll and a busy 2-core machine.
        var gaps = Enumerable.Range(0, 3).Select(n => (attempts[n + 1] - attempts[n]).TotalSeconds).ToList();
        for (var n = 0; n < 3; n++)
        {
            var expected = Math.Pow(2, n);
            gaps[n].ShouldBeInRange(expected * 0.7, expected * 1.2 + 3, $"gap {n + 1}; gaps {string.Join(", ", gaps.Select(g => $"{g:F2} s"))}");
        }

        gaps[2].ShouldBeGreaterThan(gaps[0] * 1.5, "the intervals grow");
    }

    [Fact]
    public async Task A_scheduled_message_is_delivered_when_due_after_the_worker_was_killed_and_postgres_and_rabbitmq_restarted()
    {
        var pingId = NewId.NextGuid();
        // Far enough ahead for both restarts (RabbitMQ's takes a few seconds) to finish before it is due.
        var due = DateTime.UtcNow.AddSeconds(40);

        await using (var before = await stack.StartWorker())
        {
            await using (var bus = await TestBus.Start(stack.Ground))
                await bus.Schedule(due, new Ping { PingId = pingId, ScheduledFor = due });

            await Eventually.Until("the ping's row in the scheduler table", async () => await ScheduledRows(pingId) == 1);
            before.Kill();
            (await before.WaitForExit(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        }

        await StackServers.RestartPostgres();
        await StackServers.RestartRabbitMq();
        DateTime.UtcNow.ShouldBeLessThan(due, "every restart must be over before the message is due");
        await using var after = await stack.StartWorker();

        var receivedAt = await Eventually.Get("the ping's receipt", () => PingReceivedAt(pingId), at => at is not null,
            TimeSpan.FromSeconds(90));
        receivedAt!.Value.ShouldBeGreaterThanOrEqualTo(due.AddMilliseconds(-50), "never before it is due");
        (await ScheduledRows(pingId)).ShouldBe(0);
    }

    [Fact]
    public async Task With_two_workers_running_each_scheduled_message_reaches_rabbitmq_once()
    {
        // Counted at the transport, by a probe without an inbox: fails if both workers' dispatchers claim the same due
        // rows (the claim without FOR UPDATE SKIP LOCKED, say), which a consumer behind an inbox would hide.
        await using var probe = await MessageProbe<Ping>.Start(stack.Ground);
        await using var first = await stack.StartWorker();
        await using var second = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var due = DateTime.UtcNow.AddSeconds(3);
        var pings = Enumerable.Range(0, 200).Select(_ => NewId.NextGuid()).ToHashSet();
        foreach (var id in pings)
            await bus.Schedule(due, new Ping { PingId = id, ScheduledFor = due });

        await Eventually.Until("every ping at the probe", () => pings.IsSubsetOf(probe.Received.Select(p => p.PingId)));
        await stack.Ground.WaitUntilIdle();

        var deliveries = probe.Deliveries.Where(d => pings.Contains(d.Message.PingId)).ToList();
        deliveries.Count.ShouldBe(pings.Count, "each scheduled message is sent once");
        (await ScheduledRows(null)).ShouldBe(0, "every scheduled row is removed once sent");
    }

    async Task<List<DateTime>> Attempts(Guid probeId)
    {
        await using var command = stack.DataSource.CreateCommand("select attempted_at from diagnostics.probe_attempt where probe_id = $1 order by redelivery_count");
        command.Parameters.AddWithValue(probeId);
        var attempts = new List<DateTime>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            attempts.Add(reader.GetDateTime(0));
        return attempts;
    }

    /// <summary>The number of scheduled rows, for one ping's payload or all.</summary>
    Task<long> ScheduledRows(Guid? pingId) => stack.Count(
        "select count(*) from messaging.scheduled_message where $1::text is null or body like '%' || $1::text || '%'",
        (object?)pingId?.ToString() ?? DBNull.Value);

    async Task<DateTime?> PingReceivedAt(Guid pingId)
    {
        await using var command = stack.DataSource.CreateCommand("select received_at from diagnostics.ping_receipt where ping_id = $1");
        command.Parameters.AddWithValue(pingId);
        return await command.ExecuteScalarAsync() as DateTime?;
    }
}

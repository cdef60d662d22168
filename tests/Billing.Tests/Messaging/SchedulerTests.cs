using Billing.Contracts.Diagnostics;
using Billing.Tests.Support;
using MassTransit;

namespace Billing.Tests.Messaging;

[Collection(StackCollection.Name)]
public class SchedulerTests(StackFixture stack)
{
    [Fact]
    public async Task A_consumer_that_fails_three_times_is_redelivered_at_exponentially_growing_intervals()
    {
        await using var worker = WorkerProcess.Start(stack, new Dictionary<string, string>
        {
            ["Diagnostics__RedeliveryIntervalDelta"] = "00:00:01",
            ["Diagnostics__RedeliveryLimit"] = "5",
        });
        await stack.WaitForConsumers("redelivery-probe", 1, TimeSpan.FromSeconds(60));
        await stack.WaitForConsumers("scheduler", 1, TimeSpan.FromSeconds(60));
        await using var bus = await TestBus.Start(stack);

        var probeId = NewId.NextGuid();
        await bus.Bus.Publish(new ProbeRedelivery { ProbeId = probeId, FailTimes = 3 });

        var attempts = await Eventually.Get(async () =>
        {
            var seen = await Attempts(probeId);
            return seen.Count >= 4 ? seen : null;
        }, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));
        (await Attempts(probeId)).Count.ShouldBe(4, "the fourth delivery succeeds, so there is no fifth");

        // MassTransit's exponential policy: interval n = 2^n × delta, each ±20 %. Tolerance on top: up to 1 s for the
        // trip through the scheduler queue, its 200 ms poll and a busy 2-core machine.
        var gaps = Enumerable.Range(0, 3).Select(n => (attempts[n + 1] - attempts[n]).TotalSeconds).ToList();
        for (var n = 0; n < 3; n++)
        {
            var expected = Math.Pow(2, n);
            gaps[n].ShouldBeInRange(expected * 0.8, expected * 1.2 + 1.0, $"gap {n + 1} of {string.Join(", ", attempts)}");
        }

        gaps[2].ShouldBeGreaterThan(gaps[0] * 1.5, "the intervals grow");
    }

    [Fact]
    public async Task A_message_scheduled_ten_seconds_ahead_is_delivered_after_every_process_restarted()
    {
        var pingId = NewId.NextGuid();
        var due = DateTime.UtcNow.AddSeconds(10);

        await using (var before = WorkerProcess.Start(stack))
        {
            await stack.WaitForConsumers("scheduler", 1, TimeSpan.FromSeconds(60));
            await using (var bus = await TestBus.Start(stack))
                await bus.Schedule(due, new Ping { PingId = pingId, ScheduledFor = due });

            await Eventually.Get(() => ScheduledRows(pingId), TimeSpan.FromSeconds(10));
            before.Kill();
            await before.WaitForExit(TimeSpan.FromSeconds(10));
        }

        DateTime.UtcNow.ShouldBeLessThan(due, "the restart must happen before the message is due");
        await using var after = WorkerProcess.Start(stack);

        var receivedAt = await Eventually.Get(() => PingReceivedAt(pingId), TimeSpan.FromSeconds(40));
        receivedAt.ShouldBeGreaterThanOrEqualTo(due.AddMilliseconds(-50));
        receivedAt.ShouldBeLessThan(due.AddSeconds(5));
    }

    [Fact]
    public async Task With_two_workers_running_each_scheduled_message_fires_once()
    {
        await using var first = WorkerProcess.Start(stack);
        await using var second = WorkerProcess.Start(stack);
        await stack.WaitForConsumers("scheduler", 2, TimeSpan.FromSeconds(60));
        await using var bus = await TestBus.Start(stack);

        var due = DateTime.UtcNow.AddSeconds(3);
        var pings = Enumerable.Range(0, 200).Select(_ => NewId.NextGuid()).ToArray();
        foreach (var id in pings)
            await bus.Schedule(due, new Ping { PingId = id, ScheduledFor = due });

        var effects = await Eventually.Get(async () =>
        {
            await using var command = stack.DataSource.CreateCommand("select effects from diagnostics.ping_receipt where ping_id = any($1)");
            command.Parameters.AddWithValue(pings);
            var rows = new List<int>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add(reader.GetInt32(0));
            return rows.Count == pings.Length ? rows : null;
        }, TimeSpan.FromSeconds(30));

        await Task.Delay(TimeSpan.FromSeconds(2));
        effects.ShouldAllBe(e => e == 1);
        (await ScheduledRows(null)).ShouldBeNull("every scheduled row is removed once sent");
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

    /// <summary>The number of scheduled rows (for one ping's payload, or all), or null when there are none.</summary>
    async Task<object?> ScheduledRows(Guid? pingId)
    {
        await using var command = stack.DataSource.CreateCommand(
            "select count(*) from messaging.scheduled_message where $1::text is null or body like '%' || $1::text || '%'");
        command.Parameters.AddWithValue((object?)pingId?.ToString() ?? DBNull.Value);
        var count = (long)(await command.ExecuteScalarAsync())!;
        return count == 0 ? null : count;
    }

    async Task<DateTime?> PingReceivedAt(Guid pingId)
    {
        await using var command = stack.DataSource.CreateCommand("select received_at from diagnostics.ping_receipt where ping_id = $1");
        command.Parameters.AddWithValue(pingId);
        return await command.ExecuteScalarAsync() as DateTime?;
    }
}

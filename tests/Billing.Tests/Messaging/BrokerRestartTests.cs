using Billing.Features.Diagnostics;
using Billing.Tests.Support;

namespace Billing.Tests.Messaging;

/// <summary>
/// RabbitMQ restarted while a worker starts up (issue 18: a worker started 3 s before a restart held connections whose
/// channels claimed consumers while every queue showed none, for good). Restarts the broker through scripts/stack.sh;
/// point BILLING_RABBIT_NODE/_PORT/_MGMT_PORT at a broker of your own to leave a shared one alone.
/// </summary>
public class BrokerRestartTests(StackFixture stack) : IClassFixture<StackFixture>
{
    // From before the bus connects (the process is still loading) to just after the worker said it is ready.
    static readonly TimeSpan[] Moments = new[] { 1, 2.5, 3, 3.5, 5 }.Select(TimeSpan.FromSeconds).ToArray();

    [Fact]
    public async Task A_worker_consumes_and_sends_again_after_the_broker_restarts_at_any_moment_of_its_start_up()
    {
        // Once, so the queues exist and bound to their exchanges before anything is published.
        await (await stack.StartWorker()).DisposeAsync();

        // One round of five restarts in the suite (each waits out a start-up, minutes on two cores); more by hand with
        // BILLING_BROKER_RESTART_ROUNDS.
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("BILLING_BROKER_RESTART_ROUNDS"), out var n) ? n : 1;
        foreach (var round in Enumerable.Range(1, rounds))
        foreach (var moment in Moments)
        {
            var when = $"round {round}, restart {moment.TotalSeconds} s into start-up";
            // Messages waiting when the worker starts, as in the incident (a run under way after its predecessor's crash).
            await using var bus = await TestBus.Start(stack.Ground);
            var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 100, additions: 2);
            await run.Publish(CancellationToken.None);

            // As deployed, the bus waits for the broker as long as it takes (the tests' one-minute start-up limit would end a
            // worker whose broker restarts slowly on a loaded machine, which is not what this is about).
            // A start-up the restart left hanging (seen here: the bus "not started" minutes after the broker was back) is the
            // watchdog's to end; a minute instead of five keeps the test short.
            await using var worker = new SupervisedWorker(stack.ServiceSettings, new Dictionary<string, string>
            {
                ["RabbitMq__StartTimeout"] = "00:10:00",
                ["RabbitMq__Watchdog__StartUpStuckAfter"] = "00:01:00",
            });
            await Task.Delay(moment);
            await StackServers.RestartRabbitMq();

            var queues = await worker.WaitUntilReady(TimeSpan.FromMinutes(4));
            await Eventually.Get($"a consumer on each of the worker's queues at the broker ({when})",
                async () => (await stack.Queues()).Where(q => queues.Contains(q.Name) && q.Consumers == 0).Select(q => q.Name).ToList(),
                idle => idle.Count == 0, TimeSpan.FromMinutes(3), idle => $"no consumer on {string.Join(", ", idle)}\n{worker.Output}");

            // Consumed and sent: each tally's saga publishes TallyCompleted through the outbox, whose consumer writes the receipt.
            await Eventually.Get($"a receipt for each of the 100 tallies ({when})", () => run.CountReceipts(CancellationToken.None), n => n == 100,
                TimeSpan.FromMinutes(3), n => $"{n} receipts\n{worker.Output}");
        }
    }
}

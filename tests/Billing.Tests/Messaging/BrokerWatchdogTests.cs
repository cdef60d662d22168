using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Diagnostics;
using Billing.Tests.Observability;
using Billing.Tests.Support;

namespace Billing.Tests.Messaging;

/// <summary>
/// A worker connected to RabbitMQ whose queues no longer count its consumers (issue 18, found so after a broker restart;
/// made here on purpose with scripts/stack.sh forget-consumers): it must say so and come back, not wait forever.
/// </summary>
public class BrokerWatchdogTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task A_worker_whose_queues_lost_its_consumers_says_so_in_health_and_metrics_then_exits_and_consumes_again_once_restarted()
    {
        var port = FreePort.Next();
        await using var worker = new SupervisedWorker(stack.ServiceSettings, new Dictionary<string, string>
        {
            ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{port}",
            ["RabbitMq__Watchdog__Interval"] = "00:00:01",
            ["RabbitMq__Watchdog__StuckAfter"] = "00:00:20",
        });
        var queues = await worker.WaitUntilReady();
        await EveryQueueConsumed(queues, worker);
        var stuck = worker.Current;

        await StackServers.ForgetConsumers(stack.VirtualHost);

        // The broken state existed, in the same process: queues without consumers while its channels still claim them.
        await Eventually.Until("the broker to count no consumer on the worker's queues",
            async () => (await stack.Queues()).Where(q => queues.Contains(q.Name)).All(q => q.Consumers == 0));
        using var monitoring = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var broker = await Eventually.Get("/health/ready's broker check to name the lost consumers", async () =>
            {
                using var response = await monitoring.GetAsync("/health/ready");
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("broker").Clone();
            },
            check => check.GetProperty("status").GetString() == "Degraded" && check.GetProperty("data").TryGetProperty("consumers", out _),
            TimeSpan.FromSeconds(15));
        broker.GetProperty("description").GetString()!.ShouldContain("no consumer of this worker");
        var metrics = await monitoring.GetStringAsync("/metrics");
        metrics.ShouldContain("billing_broker_sign_duration_seconds{", customMessage: metrics);
        ReferenceEquals(stuck, worker.Current).ShouldBeTrue("still the same process");

        // Gives up (exit 75), is started again by its supervisor, and consumes and sends.
        await Eventually.Until("the worker to exit for its supervisor and be started again", () => worker.Restarts >= 1, TimeSpan.FromMinutes(2));
        worker.ExitCodes.ShouldBe([SupervisedWorker.BrokerStuckExitCode]);
        worker.Output.ShouldContain("Broker watchdog: the worker is connected to RabbitMQ but no consumer of this worker at the broker on");
        queues = await worker.WaitUntilReady();
        await EveryQueueConsumed(queues, worker);
        await using var bus = await TestBus.Start(stack.Ground);
        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 5, additions: 2);
        await run.Publish(CancellationToken.None);
        await Eventually.Get("a receipt for each tally", () => run.CountReceipts(CancellationToken.None), n => n == 5, TimeSpan.FromMinutes(2),
            n => $"{n} receipts\n{worker.Output}");
    }

    Task EveryQueueConsumed(IReadOnlyList<string> queues, SupervisedWorker worker) =>
        Eventually.Get("a consumer on each of the worker's queues at the broker",
            async () => (await stack.Queues()).Where(q => queues.Contains(q.Name) && q.Consumers == 0).Select(q => q.Name).ToList(),
            idle => idle.Count == 0, TimeSpan.FromMinutes(2), idle => $"no consumer on {string.Join(", ", idle)}\n{worker.Output}");
}

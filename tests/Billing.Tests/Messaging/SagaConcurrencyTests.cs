using Billing.Features.Diagnostics;
using Billing.Tests.Support;

namespace Billing.Tests.Messaging;

[Collection(StackCollection.Name)]
public class SagaConcurrencyTests(StackFixture stack)
{
    [Fact]
    public async Task Two_workers_apply_each_of_ten_concurrent_events_to_a_thousand_sagas_exactly_once()
    {
        await using var first = WorkerProcess.Start(stack);
        await using var second = WorkerProcess.Start(stack);
        await stack.WaitForConsumers("tally-state", 2, TimeSpan.FromSeconds(60));
        await using var bus = await TestBus.Start(stack);

        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 1000, additions: 10);
        await run.Publish(CancellationToken.None);
        var finished = await run.WaitForReceipts(TimeSpan.FromMinutes(3), null, CancellationToken.None);

        var result = await run.Read(CancellationToken.None);
        finished.ShouldBeTrue($"receipts: {result.Receipts} of 1000\n{first.Output}\n{second.Output}");
        result.Completed.ShouldBe(1000);
        result.ExactlyApplied.ShouldBe(1000);
        result.ReceiptsWithOneEffect.ShouldBe(1000);
        first.HasExited.ShouldBeFalse(first.Output);
        second.HasExited.ShouldBeFalse(second.Output);
    }
}

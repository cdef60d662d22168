using Billing.Features.Diagnostics;
using Billing.Tests.Support;

namespace Billing.Tests.Messaging;

public class SagaConcurrencyTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Two_workers_apply_each_of_ten_concurrent_events_to_a_thousand_sagas_exactly_once()
    {
        await using var first = await stack.StartWorker();
        await using var second = await stack.StartWorker();
        await using var bus = await TestBus.Start(stack.Ground);

        var run = new TallyRun(bus.Bus, stack.DataSource, tallies: 1000, additions: 10);
        await run.Publish(CancellationToken.None);
        await Eventually.Get("a receipt for each of the 1000 tallies", () => run.CountReceipts(CancellationToken.None), n => n == 1000,
            TimeSpan.FromMinutes(3), n => $"{n} receipts");
        await stack.Ground.WaitUntilIdle();

        var result = await run.Read(CancellationToken.None);
        result.Completed.ShouldBe(1000);
        result.ExactlyApplied.ShouldBe(1000);
        result.ReceiptsWithOneEffect.ShouldBe(1000);
        first.HasExited.ShouldBeFalse(first.Output);
        second.HasExited.ShouldBeFalse(second.Output);
    }
}

using Billing.Contracts.Refunds;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// A payment method's slow lane: retries through scheduled redelivery (the Postgres message scheduler), each
/// wait twice the previous one, until the provider pays, declines, or the lane's attempts run out.
/// Every slow attempt asks the provider first: the fast attempt before it may have timed out after paying.
/// </summary>
public sealed class SlowLaneConsumer(RefundAttemptRunner runner, IOptions<RefundOptions> options) : IConsumer<AttemptRefund>
{
    public async Task Consume(ConsumeContext<AttemptRefund> context)
    {
        var attempt = context.Message;
        var redeliveries = context.GetRedeliveryCount();
        var lane = options.Value.For(attempt.Method).SlowLane;

        var report = await runner.Run(attempt, attempt.AttemptNumber + redeliveries, lookUpFirst: true, context.CancellationToken);
        var retry = report.Outcome is AttemptOutcomes.Unavailable or AttemptOutcomes.Unknown && redeliveries + 1 < lane.Attempts;
        if (retry)
            report = report with { NextAttemptIn = lane.DelayBefore(redeliveries + 1) };

        // Report first, then schedule: a crash between the two redelivers this message, which repeats the attempt
        // under the same number (the saga ignores the repeat) and then schedules. The other order could leave two
        // redelivery chains running.
        await context.Publish(report, context.CancellationToken);
        if (retry)
            await context.Redeliver(report.NextAttemptIn!.Value);
    }
}

using Billing.Contracts.Refunds;
using MassTransit;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// A single attempt, straight away: a refund's first try, and the reconciler's and support's one more try.
/// The saga decides what a failure means (slow lane, Failed, NeedsSupport).
/// </summary>
public sealed class FastLaneConsumer(RefundAttemptRunner runner) : IConsumer<AttemptRefund>
{
    public async Task Consume(ConsumeContext<AttemptRefund> context)
    {
        var attempt = context.Message;
        // Only a refund's very first try may pay without asking: anything else (a later attempt, the reconciler's or
        // support's, a redelivery after the worker died mid-call, an in-process retry) may follow a call that paid.
        var lookUpFirst = attempt.Lane != RefundLanes.Fast || attempt.AttemptNumber > 1
            || context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0;
        var report = await runner.Run(attempt, attempt.AttemptNumber, lookUpFirst, context.CancellationToken);
        await context.Publish(report, context.CancellationToken);
    }
}

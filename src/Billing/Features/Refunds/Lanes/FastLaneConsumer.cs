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
        // A redelivery (the worker died mid-call) or an in-process retry may follow a call that paid.
        var lookUpFirst = attempt.AttemptNumber > 1 || context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0;
        var report = await runner.Run(attempt, attempt.AttemptNumber, lookUpFirst, context.CancellationToken);
        await context.Publish(report, context.CancellationToken);
    }
}

using Billing.Contracts.Refunds;
using MassTransit;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// A payment method's slow lane: the retries the saga schedules at growing intervals, and the lookups of a refund
/// being resolved. Every slow attempt asks the provider first (the attempt before it may have timed out after paying);
/// a resolve attempt only asks. It schedules nothing itself: the saga does, in its own transaction, so a crash here
/// never forks a second chain of attempts.
/// </summary>
public sealed class SlowLaneConsumer(RefundAttemptRunner runner, RefundRows rows, ILogger<SlowLaneConsumer> logger) : IConsumer<AttemptRefund>
{
    public async Task Consume(ConsumeContext<AttemptRefund> context)
    {
        var attempt = context.Message;
        var row = await rows.Find(attempt.RefundId, context.CancellationToken);
        if (row is null || !row.Awaits(attempt))
        {
            logger.LogInformation("Dropped {Lane} attempt {Attempt} of refund {RefundId}: the refund is {State} after attempt {Count}",
                attempt.Lane, attempt.AttemptNumber, attempt.RefundId, row?.State ?? "missing", row?.AttemptCount);
            return;
        }

        var mode = attempt.Lane == RefundLanes.Resolve ? AttemptMode.LookUpOnly : AttemptMode.LookUpThenPay;
        var report = await runner.Run(attempt, row.KeyGeneration, mode, context.CancellationToken);
        await context.Publish(report, context.CancellationToken);
    }
}

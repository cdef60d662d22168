using Billing.Contracts.Refunds;
using MassTransit;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// A single attempt, straight away: a refund's first try, and the reconciler's and support's one more try.
/// The saga decides what a failure means (slow lane, Failed, NeedsSupport, resolving).
/// </summary>
public sealed class FastLaneConsumer(RefundAttemptRunner runner, RefundRows rows, FirstAttemptClaim firstAttempt, ILogger<FastLaneConsumer> logger)
    : IConsumer<AttemptRefund>
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

        // Only a refund's very first try, started for the first time anywhere, may pay without asking: anything else (a
        // later attempt, the reconciler's or support's, any second start of the first one) may follow a call that paid.
        var firstEver = attempt.Lane == RefundLanes.Fast && attempt.AttemptNumber == 1 && row.KeyGeneration == 0
            && await firstAttempt.TryClaim(attempt.RefundId, context.CancellationToken);
        var report = await runner.Run(attempt, row.KeyGeneration, firstEver ? AttemptMode.Pay : AttemptMode.LookUpThenPay, context.CancellationToken);
        await context.Publish(report, context.CancellationToken);
    }
}

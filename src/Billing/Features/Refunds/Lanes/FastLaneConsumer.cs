using Billing.Contracts.Refunds;
using MassTransit;

namespace Billing.Features.Refunds.Lanes;

/// <summary>
/// A single attempt, straight away: a refund's first try, and the reconciler's and support's one more try.
/// The saga decides what a failure means (slow lane, Failed, NeedsSupport).
/// </summary>
public sealed class FastLaneConsumer(RefundAttemptRunner runner, FirstAttemptClaim firstAttempt) : IConsumer<AttemptRefund>
{
    public async Task Consume(ConsumeContext<AttemptRefund> context)
    {
        var attempt = context.Message;
        // Only a refund's very first try, started for the first time anywhere, may pay without asking: anything else (a
        // later attempt, the reconciler's or support's, any second start of the first one) may follow a call that paid.
        var lookUpFirst = attempt.Lane != RefundLanes.Fast || attempt.AttemptNumber > 1
            || !await firstAttempt.TryClaim(attempt.RefundId, context.CancellationToken);
        var report = await runner.Run(attempt, attempt.AttemptNumber, lookUpFirst, context.CancellationToken);
        await context.Publish(report, context.CancellationToken);
    }
}

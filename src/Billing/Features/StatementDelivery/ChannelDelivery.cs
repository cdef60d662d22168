using Billing.Features.Observability;
using Billing.Features.Notifications;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// One attempt at one channel of a statement, the same for all four: skip (recorded) when the holder cannot or will not
/// be reached there; otherwise claim the delivery, call the channel, and record what happened. A retryable outcome
/// schedules the same message to this channel's own queue after the channel's backoff, until its attempts are spent and
/// it fails; each channel retries and fails on its own, and the one whose outcome settles the statement's last channel
/// publishes <see cref="Billing.Contracts.Statements.StatementDelivered"/>.
/// </summary>
public sealed class ChannelDelivery(DeliveryRecords records, DeliveryAcceptances acceptances, IOptionsMonitor<DeliveryOptions> options,
    TimeProvider clock, ILogger<ChannelDelivery> logger)
{
    /// <param name="skipReason">Why this channel is not used for this statement (opted_out, no_email…), or null.</param>
    /// <param name="send">The channel's call for the claimed attempt; never throws for a provider's answer.</param>
    /// <param name="settled">Runs in the same transaction once the channel has sent or failed for good.</param>
    public async Task Deliver<T>(ConsumeContext<T> context, Guid statementId, string channel, string? recipient, string? skipReason,
        Func<DeliveryClaim, Task<SendResult>> send, Func<SendResult, Task>? settled = null) where T : class
    {
        var cancellationToken = context.CancellationToken;
        if (skipReason is not null)
        {
            await records.Skip(statementId, channel, skipReason, cancellationToken);
            BillingMetrics.Delivery(channel, "skipped");
            await Settle(context, statementId);
            return;
        }

        if (await records.Claim(statementId, channel, recipient, cancellationToken) is not { } claim)
        {
            // Settled by an earlier copy of this message; settle the statement again in case that copy stopped short of it.
            await Settle(context, statementId);
            return;
        }

        // A provider's yes is committed at once, and found again by an attempt that repeats one which died after it.
        var callsOut = channel != DeliveryChannels.Pdf;
        var result = callsOut && await acceptances.Find(statementId, channel, cancellationToken) is { } accepted ? accepted : await send(claim);
        if (callsOut && result.Status == SendStatus.Sent)
            await acceptances.Record(statementId, channel, result.ProviderMessageId);
        var policy = options.CurrentValue.For(channel);
        switch (result.Status)
        {
            case SendStatus.Sent:
                await records.Sent(statementId, channel, result.ProviderMessageId, cancellationToken);
                BillingMetrics.Delivery(channel, "sent");
                break;

            case SendStatus.Retryable when claim.Attempt < policy.Attempts:
                var next = clock.GetUtcNow() + policy.DelayAfter(claim.Attempt);
                await records.Retrying(statementId, channel, result.Error, next, cancellationToken);
                BillingMetrics.Delivery(channel, "retrying");
                await context.ScheduleSend(context.ReceiveContext.InputAddress, next.UtcDateTime, context.Message);
                logger.LogInformation("Statement {StatementId}: {Channel} attempt {Attempt} failed ({Error}); next at {Next:u}",
                    statementId, channel, claim.Attempt, result.Error, next);
                return;

            default:
                var reason = result.Status == SendStatus.Permanent ? "refused" : "attempts_spent";
                await records.Failed(statementId, channel, reason, result.Error, cancellationToken);
                BillingMetrics.Delivery(channel, "failed");
                logger.LogWarning("Statement {StatementId}: {Channel} failed for good after {Attempt} attempt(s): {Error}",
                    statementId, channel, claim.Attempt, result.Error);
                break;
        }

        if (settled is not null)
            await settled(result);
        await Settle(context, statementId);
    }

    async Task Settle<T>(ConsumeContext<T> context, Guid statementId) where T : class
    {
        if (await records.Settle(statementId, context.CancellationToken) is { } delivered)
            await context.Publish(delivered);
    }
}

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
/// publishes <see cref="Billing.Contracts.Statements.StatementDelivered"/>. A call whose outcome is unknown (no answer)
/// is never simply repeated: SMS is looked up at the provider first, WhatsApp settles as <c>unknown</c> (at most once), and
/// e-mail is sent again with the same Message-ID (at least once), per <see cref="ChannelPolicy.OnUnknownOutcome"/>.
/// </summary>
public sealed class ChannelDelivery(DeliveryRecords records, DeliveryAcceptances acceptances, IOptionsMonitor<DeliveryOptions> options,
    TimeProvider clock, ILogger<ChannelDelivery> logger)
{
    /// <param name="skipReason">Why this channel is not used for this statement (opted_out, no_email…), or null.</param>
    /// <param name="send">The channel's call for the claimed attempt; never throws for a provider's answer.</param>
    /// <param name="settled">Runs in the same transaction once the channel has sent or failed for good.</param>
    /// <param name="lookUp">
    /// Where the provider can be asked (SMS): finds the message an earlier call may have sent, given when that call first
    /// went out; Sent when found, null when not, Retryable when the lookup itself failed.
    /// </param>
    public async Task Deliver<T>(ConsumeContext<T> context, Guid statementId, string channel, string? recipient, string? skipReason,
        Func<DeliveryClaim, Task<SendResult>> send, Func<SendResult, Task>? settled = null,
        Func<DeliveryClaim, DateTimeOffset, Task<SendResult?>>? lookUp = null) where T : class
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

        var policy = options.CurrentValue.For(channel);
        var (result, givenUp) = channel == DeliveryChannels.Pdf ? (await send(claim), false)
            : await Call(statementId, channel, claim, policy, send, lookUp, cancellationToken);
        switch (result.Status)
        {
            case SendStatus.Sent:
                await records.Sent(statementId, channel, result.ProviderMessageId, cancellationToken);
                BillingMetrics.Delivery(channel, "sent");
                break;

            // The provider may have it, and this channel does not send twice: support decides (and can retry it by hand).
            case SendStatus.Retryable when givenUp || result.OutcomeUnknown && (policy.OnUnknownOutcome == UnknownOutcome.AtMostOnce && lookUp is null
                || claim.Attempt >= policy.Attempts):
                await records.Unknown(statementId, channel, result.Error, cancellationToken);
                BillingMetrics.Delivery(channel, "unknown");
                logger.LogWarning("Statement {StatementId}: {Channel} outcome unknown after attempt {Attempt} ({Error}); not sent again",
                    statementId, channel, claim.Attempt, result.Error);
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

    /// <summary>
    /// The provider's call for a claimed attempt, exactly once where it can be known: a yes recorded earlier is taken as
    /// it is; an earlier call without a recorded answer (a timeout, or an attempt that died after calling) is looked up
    /// where the provider lists its messages, and otherwise handled by the channel's <see cref="ChannelPolicy.OnUnknownOutcome"/>.
    /// Every call is written down before it goes and its answer as soon as it comes, on connections of their own.
    /// </summary>
    /// <returns>The result, and whether the channel gave the message up as unknown without calling (at most once).</returns>
    async Task<(SendResult Result, bool GivenUp)> Call(Guid statementId, string channel, DeliveryClaim claim, ChannelPolicy policy,
        Func<DeliveryClaim, Task<SendResult>> send, Func<DeliveryClaim, DateTimeOffset, Task<SendResult?>>? lookUp,
        CancellationToken cancellationToken)
    {
        if (await acceptances.Find(statementId, channel, cancellationToken) is { } accepted)
            return (accepted, false);

        if (await acceptances.Unanswered(statementId, channel, claim.IdempotencyKey, cancellationToken) is { } firstCall)
        {
            if (lookUp is not null)
            {
                var found = await lookUp(claim, firstCall);
                if (found is { Status: SendStatus.Sent })
                {
                    await acceptances.Record(statementId, channel, found.ProviderMessageId);
                    return (found, false);
                }

                if (found is not null)
                    return (found, false);
                logger.LogInformation("Statement {StatementId}: {Channel} not found at the provider after an unknown outcome", statementId, channel);
            }

            if (policy.OnUnknownOutcome == UnknownOutcome.AtMostOnce)
                return (SendResult.Unknown($"an earlier call (first at {firstCall:u}) got no answer, and {channel} is sent at most once"), true);
        }

        await acceptances.Calling(statementId, channel, claim.IdempotencyKey, cancellationToken);
        var result = await send(claim);
        if (result.Status == SendStatus.Sent)
            await acceptances.Record(statementId, channel, result.ProviderMessageId);
        else if (!result.OutcomeUnknown)
            await acceptances.Answered(statementId, channel);
        return (result, false);
    }

    async Task Settle<T>(ConsumeContext<T> context, Guid statementId) where T : class
    {
        if (await records.Settle(statementId, context.CancellationToken) is { } delivered)
            await context.Publish(delivered);
    }
}

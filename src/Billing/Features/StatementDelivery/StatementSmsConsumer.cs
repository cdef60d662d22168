using Billing.Contracts.BillingRuns;
using Billing.Features.Notifications;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The SMS (amount due, due date, link): sent as soon as the statement is ready, beside the PDF's rendering. After a call
/// whose outcome is unknown, the provider's message list is asked before anything is sent again.
/// </summary>
public sealed class StatementSmsConsumer(StatementRecipients recipients, ChannelDelivery delivery, ISmsSender sms) : IConsumer<StatementReady>
{
    public async Task Consume(ConsumeContext<StatementReady> context)
    {
        var id = context.Message.StatementId;
        var to = await recipients.Load(id, withLines: false, context.CancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");
        var skip = !to.SmsOptIn ? "opted_out" : to.Phone is null ? "no_phone" : null;
        await delivery.Deliver(context, id, DeliveryChannels.Sms, to.Phone, skip,
            claim => sms.Send(to.Phone!, to.Notice, claim.IdempotencyKey, context.CancellationToken),
            lookUp: (_, since) => sms.Find(to.Phone!, to.Notice, since, context.CancellationToken));
    }
}

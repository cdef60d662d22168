using Billing.Contracts.Money;
using Billing.Contracts.Refunds;
using Billing.Features.Scheduling;
using Billing.Features.Support;
using MassTransit;

namespace Billing.Features.Refunds.Alarms;

/// <summary>
/// Mails support at once when one refund was paid twice: the money has to be recovered by hand, and waiting for the next
/// reconciler run would lose a day. The Message-ID comes from the refund and the second provider refund, so a resend
/// after a crash is the same mail.
/// </summary>
public sealed class PaidTwiceAlarmConsumer(ISupportMailer mailer) : IConsumer<RefundPaidTwice>
{
    static readonly Guid MailNamespace = new("0b7e4d1a-9c55-4f1e-8a62-3d9f0c7b1e24");

    public async Task Consume(ConsumeContext<RefundPaidTwice> context)
    {
        var alarm = context.Message;
        await mailer.SendAsync(new SupportMail
        {
            Subject = $"[billing] ALARM: refund {alarm.RefundId} was paid twice ({Currencies.Format(alarm.Amount, alarm.Currency)}, {alarm.Method})",
            Body = $"""
                The {alarm.Method} provider holds two refunds for refund {alarm.RefundId} of payment {alarm.PaymentId}:
                  {alarm.FirstProviderRefundId}
                  {alarm.SecondProviderRefundId}
                each of {Currencies.Format(alarm.Amount, alarm.Currency)}. One of them has to be recovered by hand.
                Seen at {alarm.DetectedAt:u}. GET /refunds/{alarm.RefundId} shows its attempts.
                """,
            MessageId = NameBasedGuid.Create(MailNamespace, $"{alarm.RefundId}/{alarm.SecondProviderRefundId}"),
        }, context.CancellationToken);
    }
}

public class PaidTwiceAlarmConsumerDefinition : ConsumerDefinition<PaidTwiceAlarmConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PaidTwiceAlarmConsumer> consumerConfigurator, IRegistrationContext context) =>
        // The mail server may be down for a while: keep trying, spaced out, before giving up to the error queue.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)));
}

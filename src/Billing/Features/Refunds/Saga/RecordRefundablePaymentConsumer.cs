using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using MassTransit;

namespace Billing.Features.Refunds.Saga;

/// <summary>Writes a payment into refunds.payment, which intake checks refunds against; the first record of it stands.</summary>
public sealed class RecordRefundablePaymentConsumer(BillingDbContext db, ILogger<RecordRefundablePaymentConsumer> logger)
    : IConsumer<RecordRefundablePayment>
{
    public async Task Consume(ConsumeContext<RecordRefundablePayment> context)
    {
        var payment = context.Message;
        if (payment.Amount <= 0 || payment.PaymentId.Length is 0 or > RefundRequestRules.MaxPaymentIdLength
            || !Billing.Contracts.Money.Currencies.IsKnown(payment.Currency) || payment.Method.Length is 0 or > 32)
        {
            logger.LogWarning("Payment {PaymentId} not recorded: its amount, currency, id or method is not valid", payment.PaymentId);
            return;
        }

        await RefundablePayments.Record(db, payment.PaymentId, payment.Amount, payment.Currency, payment.Method, payment.PaidAt,
            context.CancellationToken);
    }
}

using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using Billing.Features.StatementPdfs.Storage;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>The e-mail with the PDF attached, once the PDF is stored.</summary>
public sealed class StatementEmailConsumer(StatementRecipients recipients, ChannelDelivery delivery, IStatementMailer mailer,
    IStatementPdfStore store)
    : IConsumer<StatementPdfSettled>
{
    public async Task Consume(ConsumeContext<StatementPdfSettled> context)
    {
        var id = context.Message.StatementId;
        var to = await recipients.Load(id, withLines: false, context.CancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");
        var skip = !to.EmailOptIn ? "opted_out" : to.Email is null ? "no_email" : null;
        await delivery.Deliver(context, id, DeliveryChannels.Email, to.Email, skip, async claim =>
        {
            if (!context.Message.Rendered || to.PdfKey is null)
                return SendResult.Permanent($"no_pdf: {context.Message.Error}");
            var (pdf, missing) = await StoredPdf.Read(store, to.PdfKey, context.CancellationToken);
            return missing ?? await mailer.Send(to.Email!, to.Notice, pdf!, to.FileName, claim.IdempotencyKey,
                context.CancellationToken);
        });
    }
}

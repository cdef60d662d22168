using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The WhatsApp message with the PDF as a document, once the PDF is stored. The uploaded media id is kept on the delivery
/// record, so a repeat sends exactly the same request under the same idempotency key.
/// </summary>
public sealed class StatementWhatsAppConsumer(StatementRecipients recipients, ChannelDelivery delivery, DeliveryRecords records,
    IWhatsAppSender whatsApp) : IConsumer<StatementPdfSettled>
{
    public async Task Consume(ConsumeContext<StatementPdfSettled> context)
    {
        var id = context.Message.StatementId;
        var cancellationToken = context.CancellationToken;
        var to = await recipients.Load(id, withLines: false, cancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");
        var skip = !to.WhatsAppOptIn ? "opted_out" : to.Phone is null ? "no_phone" : null;
        await delivery.Deliver(context, id, DeliveryChannels.WhatsApp, to.Phone, skip, async claim =>
        {
            if (!context.Message.Rendered || to.PdfPath is null)
                return SendResult.Permanent($"no_pdf: {context.Message.Error}");
            var mediaId = claim.MediaId;
            if (mediaId is null)
            {
                var upload = await whatsApp.Upload(await File.ReadAllBytesAsync(to.PdfPath, cancellationToken), to.FileName, cancellationToken);
                if (upload.Status != SendStatus.Sent)
                    return upload;
                mediaId = upload.ProviderMessageId!;
                await records.KeepMedia(id, mediaId, cancellationToken);
            }

            return await whatsApp.Send(to.Phone!, to.Notice, mediaId, to.FileName, DeliveryChannels.IdempotencyKey(id, DeliveryChannels.WhatsApp),
                cancellationToken);
        });
    }
}

using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The WhatsApp message with the PDF as a document, once the PDF is stored. The PDF is uploaded first and its media id
/// kept (<see cref="WhatsAppMedia"/>), so every attempt sends exactly the same request under the same idempotency key.
/// </summary>
public sealed class StatementWhatsAppConsumer(StatementRecipients recipients, ChannelDelivery delivery, WhatsAppMedia media,
    IWhatsAppSender whatsApp) : IConsumer<StatementPdfSettled>
{
    public async Task Consume(ConsumeContext<StatementPdfSettled> context)
    {
        var id = context.Message.StatementId;
        var cancellationToken = context.CancellationToken;
        var to = await recipients.Load(id, withLines: false, cancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");
        var skip = !to.WhatsAppOptIn ? "opted_out" : to.Phone is null ? "no_phone" : null;
        var rendered = context.Message.Rendered && to.PdfKey is not null;

        (string? MediaId, SendResult? Failure, bool Settled) upload = default;
        if (skip is null && rendered)
            upload = await media.For(id, to.Phone!, to.PdfKey!, to.FileName, cancellationToken);

        await delivery.Deliver(context, id, DeliveryChannels.WhatsApp, to.Phone, skip, async claim =>
            !rendered ? SendResult.Permanent($"no_pdf: {context.Message.Error}")
            : upload.Failure ?? await whatsApp.Send(to.Phone!, to.Notice, upload.MediaId!, to.FileName,
                claim.IdempotencyKey, cancellationToken));
    }
}

using Billing.Features.Observability;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Records the statement's PDF, rendered and stored ahead of the transaction by <see cref="StatementPdfPrerender"/> (or,
/// when that could not read the statement, rendered here); the e-mail and WhatsApp deliveries start from its
/// <see cref="StatementPdfSettled"/>. Rendering again is harmless (the same PDF is replaced whole, under the same key), so
/// the PDF needs no idempotency key of its own; its delivery record keeps the attempts and the content hash.
/// </summary>
public sealed class StatementPdfConsumer(StatementRecipients recipients, ChannelDelivery delivery, DeliveryRecords records,
    IStatementRenderer renderer, IStatementPdfStore store, ILogger<StatementPdfConsumer> logger) : IConsumer<StatementReady>
{
    public async Task Consume(ConsumeContext<StatementReady> context)
    {
        var id = context.Message.StatementId;
        var cancellationToken = context.CancellationToken;
        var prerendered = context.TryGetPayload<PrerenderedPdf>(out var ahead) && ahead.StatementId == id ? ahead : null;
        var statement = await recipients.Load(id, withLines: prerendered is null, cancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");

        await delivery.Deliver(context, id, DeliveryChannels.Pdf, null, null, async _ =>
            {
                var (_, stored, elapsed, error) = prerendered
                    ?? await StatementPdfPrerender.RenderAndStore(renderer, store, statement, logger, cancellationToken);
                if (stored is null)
                    return SendResult.Retryable(error ?? "not rendered");
                await records.RecordPdf(id, stored.Key, stored.Sha256, stored.Bytes, stored.Pages, elapsed, cancellationToken);
                BillingMetrics.StatementRendered(elapsed);
                return SendResult.Sent(stored.Sha256);
            },
            settled: result => context.Publish(new StatementPdfSettled(id, statement.Document.AccountId,
                result.Status == SendStatus.Sent, result.Error)));
    }
}

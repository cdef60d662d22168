using Billing.Features.Observability;
using System.Diagnostics;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Renders the statement's PDF through the page pool and stores it; the e-mail and WhatsApp deliveries start from its
/// <see cref="StatementPdfSettled"/>. Rendering again is harmless (the same PDF is replaced whole, under the same key), so the PDF needs
/// no idempotency key of its own; its delivery record keeps the attempts and the content hash.
/// </summary>
public sealed class StatementPdfConsumer(StatementRecipients recipients, ChannelDelivery delivery, DeliveryRecords records,
    IStatementRenderer renderer, IStatementPdfStore store, ILogger<StatementPdfConsumer> logger) : IConsumer<StatementReady>
{
    public async Task Consume(ConsumeContext<StatementReady> context)
    {
        var id = context.Message.StatementId;
        var cancellationToken = context.CancellationToken;
        var statement = await recipients.Load(id, withLines: true, cancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");

        await delivery.Deliver(context, id, DeliveryChannels.Pdf, null, null, async _ =>
            {
                StoredStatementPdf stored;
                // From the wait for a page to the file in place: what a statement costs the pipeline.
                var rendering = Stopwatch.StartNew();
                try
                {
                    var pdf = await renderer.Render(statement.Document, cancellationToken);
                    stored = await store.Save(statement.Document, pdf, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // A timeout, a browser that died twice, a disk that is full: all may pass, so all are retried.
                    logger.LogWarning(e, "Rendering statement {StatementId} failed", id);
                    return SendResult.Retryable($"{e.GetType().Name}: {e.Message}");
                }

                await records.RecordPdf(id, stored.Key, stored.Sha256, stored.Bytes, stored.Pages, rendering.Elapsed, cancellationToken);
                BillingMetrics.StatementRendered(rendering.Elapsed);
                return SendResult.Sent(stored.Sha256);
            },
            settled: result => context.Publish(new StatementPdfSettled(id, statement.Document.AccountId,
                result.Status == SendStatus.Sent, result.Error)));
    }
}

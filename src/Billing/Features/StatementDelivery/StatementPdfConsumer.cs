using Billing.Features.Observability;
using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.Notifications;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using Billing.Infrastructure.Messaging.Grouping;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Records the statement's PDF, rendered and stored ahead of the transaction by <see cref="StatementPdfPrerender"/> (or,
/// when that could not read the statement, rendered here); the e-mail and WhatsApp deliveries start from its
/// <see cref="StatementPdfSettled"/>. Rendering again is harmless (the same PDF is replaced whole, under the same key), so
/// the PDF needs no idempotency key of its own; its delivery record keeps the attempts and the content hash.
/// <para>
/// Inside a consume group it only records: a statement not rendered ahead gives the group back, and renders when its
/// message is consumed again alone, so no group holds its neighbours' transaction open for Chromium.
/// </para>
/// </summary>
public sealed class StatementPdfConsumer(StatementRecipients recipients, ChannelDelivery delivery, DeliveryRecords records,
    IStatementRenderer renderer, IStatementPdfStore store, ConsumeGroupSlot group, ILogger<StatementPdfConsumer> logger)
    : IConsumer<StatementReady>
{
    public async Task Consume(ConsumeContext<StatementReady> context)
    {
        var id = context.Message.StatementId;
        var cancellationToken = context.CancellationToken;
        var prerendered = context.TryGetPayload<PrerenderedPdf>(out var ahead) && ahead.StatementId == id ? ahead : null;
        // In a group the lines are never needed: a statement not rendered ahead is rendered alone.
        var statement = await recipients.Load(id, withLines: prerendered is null && !group.InGroup, cancellationToken)
            ?? throw new InvalidOperationException($"Statement {id} is not in billing.statement.");

        await delivery.Deliver(context, id, DeliveryChannels.Pdf, null, null, async _ =>
            {
                if (prerendered is null && group.InGroup)
                    throw new NotRenderedAheadException(id);
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

/// <summary>A statement reached its consume group without its PDF (the render ahead could not read it): it renders alone.</summary>
public sealed class NotRenderedAheadException(Guid statementId)
    : Exception($"Statement {statementId} was not rendered ahead; it is rendered when consumed alone, not inside a consume group.");

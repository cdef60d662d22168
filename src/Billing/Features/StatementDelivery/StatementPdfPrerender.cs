using System.Diagnostics;
using Billing.Contracts.BillingRuns;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using MassTransit;

namespace Billing.Features.StatementDelivery;

/// <summary>A statement's PDF rendered and stored before its message's transaction began, or why that failed.</summary>
public sealed record PrerenderedPdf(Guid StatementId, StoredStatementPdf? Stored, TimeSpan Elapsed, string? Error);

/// <summary>
/// Renders a statement's PDF on the PDF endpoint before the message's consume transaction begins, so that the wait for
/// Chromium (a batch fills, then prints) holds no pooled connection. Inside the transaction the consumer only records what
/// was rendered (<see cref="StatementPdfConsumer"/>). Held inside it, every waiting render kept a connection, so the PDF
/// endpoint's concurrency had to stay under the pool (24 of 60) and the renderer's batches ran half full.
/// <para>
/// Rendering twice is harmless (the same PDF replaces itself under the same key), so a duplicate or a redelivery may render
/// again; a delivery settled already is not rendered. Anything here that is not the render itself failing (Postgres away,
/// a statement not found) leaves the message as it came: the consumer then renders inside its transaction as before,
/// behind the endpoint's fault handling.
/// </para>
/// <para>
/// On the PDF endpoint ahead of its consume groups too (Messaging:Grouping): a message joins a group once its PDF is
/// stored, so a group's members only write rows, one after another, and never wait for Chromium in turn.
/// </para>
/// </summary>
public sealed class StatementPdfPrerender(IServiceProvider services) : IFilter<ConsumeContext>
{
    readonly ILogger _logger = services.GetRequiredService<ILogger<StatementPdfPrerender>>();

    /// <summary>Puts the render on the PDF endpoint ahead of the consume transaction and its group (AddPostgresMessaging).</summary>
    public static void AheadOfTransaction(IRegistrationContext context, string endpoint, IReceiveEndpointConfigurator configurator)
    {
        if (endpoint == DeliveryChannels.Queue(DeliveryChannels.Pdf))
            configurator.UseFilter(new StatementPdfPrerender(context));
    }

    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.TryGetMessage<StatementReady>(out var ready) && !context.TryGetPayload<PrerenderedPdf>(out _)
            && await Render(ready.Message.StatementId, context.CancellationToken) is { } rendered)
            context.GetOrAddPayload(() => rendered);
        await next.Send(context);
    }

    async Task<PrerenderedPdf?> Render(Guid statementId, CancellationToken cancellationToken)
    {
        StatementRecipient? statement;
        try
        {
            // A scope of its own: its connection goes back to the pool before the render starts.
            await using var scope = services.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<DeliveryRecords>().IsSettled(statementId, DeliveryChannels.Pdf, cancellationToken))
                return null;
            statement = await scope.ServiceProvider.GetRequiredService<StatementRecipients>().Load(statementId, withLines: true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogInformation(e, "Statement {StatementId}: not rendered ahead", statementId);
            return null;
        }

        return statement is null ? null : await RenderAndStore(services.GetRequiredService<IStatementRenderer>(),
            services.GetRequiredService<IStatementPdfStore>(), statement, _logger, cancellationToken);
    }

    /// <summary>
    /// Renders a statement and stores its PDF, timed from the wait for a page to the file in place (what a statement costs
    /// the pipeline). A failure (a timeout, a browser that died on every attempt, a full disk) is returned, not thrown:
    /// all of them may pass, so the consumer records them as a retryable attempt.
    /// </summary>
    public static async Task<PrerenderedPdf> RenderAndStore(IStatementRenderer renderer, IStatementPdfStore store, StatementRecipient statement,
        ILogger logger, CancellationToken cancellationToken)
    {
        var id = statement.Document.StatementId;
        var rendering = Stopwatch.StartNew();
        try
        {
            var pdf = await renderer.Render(statement.Document, cancellationToken);
            return new PrerenderedPdf(id, await store.Save(statement.Document, pdf, cancellationToken), rendering.Elapsed, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Rendering statement {StatementId} failed", id);
            return new PrerenderedPdf(id, null, rendering.Elapsed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("statementPdfPrerender");
}

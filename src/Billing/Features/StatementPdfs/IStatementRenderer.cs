namespace Billing.Features.StatementPdfs;

/// <summary>One statement's PDF: its bytes and its page count.</summary>
public sealed record RenderedPdf(byte[] Content, int Pages);

/// <summary>
/// Renders statements to PDF through the Chromium page pool. A caller waits while the pool is saturated (back-pressure);
/// a render that loses its browser is retried on a fresh one; one that outlives the render timeout throws
/// <see cref="TimeoutException"/>.
/// </summary>
public interface IStatementRenderer
{
    Task<RenderedPdf> Render(StatementDocument document, CancellationToken cancellationToken);
}

using Billing.Features.Notifications;
using Billing.Features.StatementPdfs.Storage;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The rendered PDF an e-mail or WhatsApp delivery sends, read from the store. Missing where the statement says it is, or
/// unreadable (the store down, a volume not mounted on this host), the attempt is retryable with the reason first in its
/// error (<c>pdf_missing</c>, <c>pdf_unreadable</c>): the PDF may appear (a store catching up, a mount coming back) and the
/// channel's attempts bound the wait. An exception here would send the message to <c>_error</c> and leave the delivery
/// unsettled for good.
/// </summary>
public static class StoredPdf
{
    public static async Task<(byte[]? Pdf, SendResult? Failure)> Read(IStatementPdfStore store, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await store.Read(key, cancellationToken) is { } pdf
                ? (pdf, null)
                : (null, SendResult.Retryable($"pdf_missing: nothing at {store.Describe(key)}"));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (null, SendResult.Retryable($"pdf_unreadable: {e.GetType().Name}: {e.Message}"));
        }
    }
}

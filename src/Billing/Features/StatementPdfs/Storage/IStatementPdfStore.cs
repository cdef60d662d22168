namespace Billing.Features.StatementPdfs.Storage;

/// <summary>Where a statement's PDF was kept (its key in the store), and what identifies its content.</summary>
public sealed record StoredStatementPdf(string Key, string Sha256, long Bytes, int Pages);

/// <summary>
/// Statement PDFs where every API and worker process finds them: a shared directory (<c>filesystem</c>) or an
/// S3-compatible object store (<c>s3</c>), chosen by <c>Statements:Pdf:Store</c>. The key a PDF is saved under goes into
/// <c>billing.statement.pdf_path</c>; readers ask the store for that key, never for a path of their own making.
/// </summary>
public interface IStatementPdfStore
{
    /// <summary>Saves the PDF whole under <see cref="StatementPdfKeys.For"/>: a reader sees the old or the new one, never half.</summary>
    Task<StoredStatementPdf> Save(StatementDocument document, RenderedPdf pdf, CancellationToken cancellationToken);

    /// <summary>The PDF under <paramref name="key"/>, or null when nothing is stored there; throws when the store cannot be read.</summary>
    Task<byte[]?> Read(string key, CancellationToken cancellationToken);

    /// <summary>Where an operator finds the PDF: a file path or an s3:// address.</summary>
    string Describe(string key);
}

using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementPdfs;

/// <summary>Where a statement's PDF was kept, and what identifies its content.</summary>
public sealed record StoredStatementPdf(string Path, string Sha256, long Bytes, int Pages);

/// <summary>
/// Keeps statement PDFs as <c>{accountId}/{yyyy-MM-dd}.pdf</c> under <see cref="StatementPdfOptions.Directory"/>.
/// Each file is written beside its final name and renamed over it, so a reader (or a crash) never sees half a PDF and
/// a new render of the same statement replaces the old one whole.
/// </summary>
public sealed class StatementPdfStore(IOptions<StatementPdfOptions> options)
{
    readonly string _root = Path.GetFullPath(options.Value.Directory);

    public string Root => _root;

    public async Task<StoredStatementPdf> Save(StatementDocument document, RenderedPdf pdf, CancellationToken cancellationToken)
    {
        var path = PathOf(document.AccountId, document.StatementDate);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await file.WriteAsync(pdf.Content, cancellationToken);
                // On disk before the rename, or a power cut could leave the new name pointing at an empty file.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return new StoredStatementPdf(path, Convert.ToHexStringLower(SHA256.HashData(pdf.Content)), pdf.Content.LongLength, pdf.Pages);
    }

    public string PathOf(string accountId, DateOnly statementDate)
    {
        // The account id becomes a directory name: nothing that could climb out of the root or name another folder.
        if (string.IsNullOrWhiteSpace(accountId) || accountId is "." or ".."
            || accountId.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\']) >= 0)
            throw new ArgumentException($"Account id '{accountId}' cannot name a statement folder.", nameof(accountId));
        return Path.Combine(_root, accountId, $"{statementDate:yyyy-MM-dd}.pdf");
    }
}

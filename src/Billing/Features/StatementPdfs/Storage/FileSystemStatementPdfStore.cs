using System.Security.Cryptography;

namespace Billing.Features.StatementPdfs.Storage;

/// <summary>
/// Keeps statement PDFs under <see cref="StatementPdfOptions.Directory"/>: a volume every API and worker process mounts
/// (NFS, EFS, a Kubernetes or compose volume) once there is more than one host. Each file is written beside its final name
/// and renamed over it, so a reader (or a crash) never sees half a PDF and a new render replaces the old one whole.
/// </summary>
public sealed class FileSystemStatementPdfStore(string directory) : IStatementPdfStore
{
    readonly string _root = Path.GetFullPath(directory);

    public string Root => _root;

    public async Task<StoredStatementPdf> Save(StatementDocument document, RenderedPdf pdf, CancellationToken cancellationToken)
    {
        var key = StatementPdfKeys.For(document.StatementId, document.StatementDate);
        var path = PathOf(key);
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

        return new StoredStatementPdf(key, Convert.ToHexStringLower(SHA256.HashData(pdf.Content)), pdf.Content.LongLength, pdf.Pages);
    }

    public async Task<byte[]?> Read(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(key), cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public string Describe(string key) => PathOf(key);

    public string PathOf(string key)
    {
        // Statements rendered before PDFs had keys recorded the file's absolute path; it is still where they are.
        if (Path.IsPathRooted(key))
            return key;
        if (!StatementPdfKeys.IsKey(key))
            throw new ArgumentException($"'{key}' is not a statement PDF key.", nameof(key));
        return Path.Combine(_root, key);
    }
}

using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Billing.Features.StatementPdfs.Storage;

/// <summary>
/// Keeps statement PDFs in a bucket of an S3-compatible object store (AWS S3, MinIO, Ceph, R2), under
/// <see cref="S3StoreOptions.Prefix"/> and the statement's key. A PUT replaces an object whole, so a reader sees the old
/// PDF or the new one, never half.
/// </summary>
public sealed class S3StatementPdfStore(IAmazonS3 s3, S3StoreOptions options) : IStatementPdfStore
{
    public async Task<StoredStatementPdf> Save(StatementDocument document, RenderedPdf pdf, CancellationToken cancellationToken)
    {
        var key = StatementPdfKeys.For(document.StatementId, document.StatementDate);
        using var content = new MemoryStream(pdf.Content, writable: false);
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = options.Bucket,
            Key = ObjectKey(key),
            InputStream = content,
            AutoCloseStream = false,
            ContentType = "application/pdf",
            // One signed body instead of aws-chunked framing, which not every S3-compatible store decodes (s3rver keeps the
            // chunk headers inside the object); a PDF is small enough to hash whole before sending.
            UseChunkEncoding = false,
        }, cancellationToken);
        return new StoredStatementPdf(key, Convert.ToHexStringLower(SHA256.HashData(pdf.Content)), pdf.Content.LongLength, pdf.Pages);
    }

    public async Task<byte[]?> Read(string key, CancellationToken cancellationToken)
    {
        // A key from before PDFs had keys (an absolute path on some host's disk) names nothing in the bucket.
        if (!StatementPdfKeys.IsKey(key))
            return null;
        try
        {
            using var response = await s3.GetObjectAsync(options.Bucket, ObjectKey(key), cancellationToken);
            using var buffer = new MemoryStream(response.ContentLength > 0 ? (int)response.ContentLength : 0);
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        // Only a missing object is "not there": a missing bucket or a refused key is a misconfiguration, and throws.
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
    }

    public string Describe(string key) => $"s3://{options.Bucket}/{ObjectKey(key)}";

    string ObjectKey(string key) => options.Prefix.Length == 0 ? key : $"{options.Prefix.TrimEnd('/')}/{key}";
}

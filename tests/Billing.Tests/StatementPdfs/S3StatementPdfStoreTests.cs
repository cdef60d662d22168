using System.Security.Cryptography;
using Amazon.S3;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using Billing.Tests.Support;

namespace Billing.Tests.StatementPdfs;

/// <summary>The <c>s3</c> store through the AWS SDK against a real S3 server (s3rver, started by scripts/stack.sh).</summary>
public sealed class S3StatementPdfStoreTests : StatementPdfStoreContract, IAsyncLifetime
{
    ObjectStore _bucket = null!;
    S3StatementPdfStore _store = null!;

    protected override IStatementPdfStore Store => _store;

    public async Task InitializeAsync()
    {
        _bucket = await ObjectStore.WithBucket(prefix: "statements");
        _store = new S3StatementPdfStore(_bucket.Client, _bucket.Options);
    }

    public async Task DisposeAsync() => await _bucket.DisposeAsync();

    [Fact]
    public async Task Pdfs_are_objects_under_the_prefix_with_the_pdf_content_type()
    {
        var document = StatementSamples.Swedish("ACC-S5");
        var stored = await _store.Save(document, new RenderedPdf(RandomNumberGenerator.GetBytes(3_000), 1), CancellationToken.None);

        (await _bucket.Keys()).ShouldBe([$"statements/{stored.Key}"]);
        using var head = await _bucket.Client.GetObjectAsync(_bucket.Options.Bucket, $"statements/{stored.Key}");
        head.Headers.ContentType.ShouldBe("application/pdf");
        _store.Describe(stored.Key).ShouldBe($"s3://{_bucket.Options.Bucket}/statements/{stored.Key}");
    }

    [Fact]
    public async Task A_bucket_that_is_not_there_is_an_error_not_a_missing_pdf()
    {
        // A misconfigured bucket must not look like "not rendered yet": deliveries say pdf_unreadable, not pdf_missing.
        var elsewhere = new S3StatementPdfStore(_bucket.Client, new S3StoreOptions { Bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8] });

        await Should.ThrowAsync<AmazonS3Exception>(() =>
            elsewhere.Read(StatementPdfKeys.For(Guid.NewGuid(), new DateOnly(2026, 11, 30)), CancellationToken.None));
    }
}

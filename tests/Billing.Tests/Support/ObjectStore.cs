using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Billing.Features.StatementPdfs.Storage;

namespace Billing.Tests.Support;

/// <summary>
/// The local S3-compatible object store that scripts/stack.sh starts (s3rver from npm, on 127.0.0.1:4568 or
/// <c>BILLING_S3_PORT</c>), and a bucket of the test's own in it, emptied and removed when the test is done.
/// </summary>
public sealed class ObjectStore : IAsyncDisposable
{
    public static readonly string ServiceUrl = $"http://127.0.0.1:{Environment.GetEnvironmentVariable("BILLING_S3_PORT") ?? "4568"}";

    // s3rver's own account; it checks the signature of every request against it, as a real store does.
    const string AccessKey = "S3RVER";
    const string SecretKey = "S3RVER";

    ObjectStore(S3StoreOptions options, IAmazonS3 client)
    {
        Options = options;
        Client = client;
    }

    public S3StoreOptions Options { get; }
    public IAmazonS3 Client { get; }

    /// <summary>The service's settings for the <c>s3</c> store on this bucket (environment-variable form).</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>
    {
        ["Statements__Pdf__Store"] = "s3",
        ["Statements__Pdf__S3__Bucket"] = Options.Bucket,
        ["Statements__Pdf__S3__Prefix"] = Options.Prefix,
        ["Statements__Pdf__S3__ServiceUrl"] = Options.ServiceUrl,
        ["Statements__Pdf__S3__ForcePathStyle"] = "true",
        ["Statements__Pdf__S3__AccessKey"] = AccessKey,
        ["Statements__Pdf__S3__SecretKey"] = SecretKey,
    };

    public static async Task<ObjectStore> WithBucket(string prefix = "")
    {
        var options = new S3StoreOptions
        {
            Bucket = "test-" + Guid.NewGuid().ToString("N")[..20],
            Prefix = prefix,
            ServiceUrl = ServiceUrl,
            ForcePathStyle = true,
            AccessKey = AccessKey,
            SecretKey = SecretKey,
        };
        var client = StatementPdfStorageRegistration.S3Client(options);
        try
        {
            await client.PutBucketAsync(options.Bucket);
        }
        catch (Exception e) when (e is HttpRequestException or AmazonServiceException { StatusCode: 0 })
        {
            throw new InvalidOperationException(
                $"No S3 server at {ServiceUrl}: start the local stack with `scripts/stack.sh up` (it installs and runs s3rver).", e);
        }

        return new ObjectStore(options, client);
    }

    public async Task<IReadOnlyList<string>> Keys()
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Options.Bucket };
        ListObjectsV2Response page;
        do
        {
            page = await Client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        } while (page.IsTruncated == true);

        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in await Keys())
            await Client.DeleteObjectAsync(Options.Bucket, key);
        await Client.DeleteBucketAsync(Options.Bucket);
        Client.Dispose();
    }
}

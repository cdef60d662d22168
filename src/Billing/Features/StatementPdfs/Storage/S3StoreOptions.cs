namespace Billing.Features.StatementPdfs.Storage;

/// <summary>Section <c>Statements:Pdf:S3</c>: the bucket statement PDFs go to when <c>Statements:Pdf:Store</c> is <c>s3</c>.</summary>
public sealed class S3StoreOptions
{
    public string Bucket { get; set; } = "";

    /// <summary>Inside the bucket, before each statement's key (<c>statements</c> → <c>statements/2026-11-30/…</c>); empty for none.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Empty for AWS itself (by <see cref="Region"/>); the endpoint of another S3-compatible store, e.g. <c>http://minio:9000</c>.</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>The AWS region, or the region another store signs requests for (MinIO: <c>us-east-1</c>).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary><c>{endpoint}/{bucket}/{key}</c> instead of <c>{bucket}.{endpoint}/{key}</c>: what MinIO and most self-hosted stores want.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>
    /// Both empty: the AWS SDK's own credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, the instance or
    /// pod role), which is the one to use on AWS.
    /// </summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>One request to the store (a PUT of a PDF, a GET) may take this long.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

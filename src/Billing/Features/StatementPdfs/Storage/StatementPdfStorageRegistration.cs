using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementPdfs.Storage;

public static class StatementPdfStorageRegistration
{
    /// <summary>
    /// Registers <see cref="IStatementPdfStore"/> as <c>Statements:Pdf:Store</c> names it. The worker saves and reads PDFs
    /// through it, the API serves them (<c>/s/{code}</c>, <c>/statements/{id}/pdf</c>).
    /// </summary>
    public static IServiceCollection AddStatementPdfStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StatementPdfStoreOptions>().Bind(configuration.GetSection(StatementPdfStoreOptions.Section))
            .Validate(o => o.Store is StatementPdfStoreOptions.FileSystem or StatementPdfStoreOptions.S3Store,
                "Statements:Pdf:Store is 'filesystem' or 's3'.")
            .Validate(o => o.Store != StatementPdfStoreOptions.S3Store || !string.IsNullOrWhiteSpace(o.S3.Bucket),
                "Statements:Pdf:S3:Bucket must be set when Statements:Pdf:Store is 's3'.")
            .Validate(o => string.IsNullOrEmpty(o.S3.AccessKey) == string.IsNullOrEmpty(o.S3.SecretKey),
                "Statements:Pdf:S3:AccessKey and SecretKey are set together (or neither, for the AWS SDK's credential chain).")
            .ValidateOnStart();
        services.TryAddSingleton<IStatementPdfStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StatementPdfStoreOptions>>().Value;
            return options.Store == StatementPdfStoreOptions.S3Store
                ? new S3StatementPdfStore(S3Client(options.S3), options.S3)
                : new FileSystemStatementPdfStore(options.Directory);
        });
        return services;
    }

    public static IAmazonS3 S3Client(S3StoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            Timeout = options.Timeout,
            // The SDK's default since 2025 adds CRC checksums to every request and checks them on answers; S3-compatible
            // stores that predate it (older MinIO and Ceph, s3rver) refuse or fail such requests. Only where S3 needs them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl))
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }

        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }
}

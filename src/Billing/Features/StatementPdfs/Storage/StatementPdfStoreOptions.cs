namespace Billing.Features.StatementPdfs.Storage;

/// <summary>Section <c>Statements:Pdf</c>, its storage part: which store keeps the PDFs, and where.</summary>
public sealed class StatementPdfStoreOptions
{
    public const string Section = StatementPdfOptions.Section;
    public const string FileSystem = "filesystem";
    public const string S3Store = "s3";

    /// <summary>
    /// <c>filesystem</c> (default): files under <see cref="Directory"/>. <c>s3</c>: objects in <see cref="S3"/>'s bucket.
    /// Every API and worker process must name the same store: the one that renders a PDF is seldom the one that sends it.
    /// </summary>
    public string Store { get; set; } = FileSystem;

    /// <summary>
    /// The <c>filesystem</c> store's root: one directory shared by every process (a volume they all mount) once there is
    /// more than one host. A relative path is taken from the process's working directory (the repository root for the
    /// scripts), not the content root, which is the binaries' folder here.
    /// </summary>
    public string Directory { get; set; } = ".stack/statements";

    public S3StoreOptions S3 { get; set; } = new();
}

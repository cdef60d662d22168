using System.Security.Cryptography;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;

namespace Billing.Tests.StatementPdfs;

/// <summary>What every statement PDF store promises, run against each store for real (a directory, the local S3 server).</summary>
public abstract class StatementPdfStoreContract
{
    protected abstract IStatementPdfStore Store { get; }

    [Fact]
    public async Task A_pdf_is_kept_under_its_statement_key_with_its_sha256_size_and_pages_and_read_back_whole()
    {
        var document = StatementSamples.Swedish("ACC-S1");
        var content = RandomNumberGenerator.GetBytes(10_000);

        var stored = await Store.Save(document, new RenderedPdf(content, 2), CancellationToken.None);

        var id = document.StatementId.ToString("N");
        stored.Key.ShouldBe($"2026-11-30/{id[..2]}/{id}.pdf");
        stored.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        stored.Bytes.ShouldBe(10_000);
        stored.Pages.ShouldBe(2);
        (await Store.Read(stored.Key, CancellationToken.None)).ShouldBe(content);
    }

    [Fact]
    public async Task Accounts_whose_ids_differ_only_in_case_never_share_a_pdf()
    {
        // L6: keys named by the account id (ACC-1/2026-11-30.pdf, acc-1/2026-11-30.pdf) are one file on a case-insensitive
        // mount (SMB, a macOS volume), so one holder's link served the other's PDF. This machine's ext4 keeps them apart
        // anyway, so the keys themselves must differ when case is folded.
        var upper = StatementSamples.Swedish("ACC-1");
        var lower = StatementSamples.Swedish("acc-1");
        var (first, second) = (RandomNumberGenerator.GetBytes(2_000), RandomNumberGenerator.GetBytes(2_000));

        var a = await Store.Save(upper, new RenderedPdf(first, 1), CancellationToken.None);
        var b = await Store.Save(lower, new RenderedPdf(second, 1), CancellationToken.None);

        a.Key.ToUpperInvariant().ShouldNotBe(b.Key.ToUpperInvariant());
        (await Store.Read(a.Key, CancellationToken.None)).ShouldBe(first);
        (await Store.Read(b.Key, CancellationToken.None)).ShouldBe(second);
    }

    [Fact]
    public async Task A_key_with_nothing_stored_reads_as_missing_not_as_an_error()
    {
        var key = StatementPdfKeys.For(Guid.NewGuid(), new DateOnly(2026, 11, 30));

        (await Store.Read(key, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Saving_a_statement_again_replaces_its_pdf_whole()
    {
        var document = StatementSamples.Swedish("ACC-S4");
        await Store.Save(document, new RenderedPdf(RandomNumberGenerator.GetBytes(50_000), 3), CancellationToken.None);
        var shorter = RandomNumberGenerator.GetBytes(1_000);

        var stored = await Store.Save(document, new RenderedPdf(shorter, 1), CancellationToken.None);

        (await Store.Read(stored.Key, CancellationToken.None)).ShouldBe(shorter);
    }
}

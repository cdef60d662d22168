using System.Security.Cryptography;
using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;

namespace Billing.Tests.StatementPdfs;

/// <summary>The <c>filesystem</c> store: a directory of the test's own.</summary>
public sealed class FileSystemStatementPdfStoreTests : StatementPdfStoreContract, IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"statements-{Guid.NewGuid():N}");
    readonly FileSystemStatementPdfStore _store;

    public FileSystemStatementPdfStoreTests() => _store = new FileSystemStatementPdfStore(_root);

    protected override IStatementPdfStore Store => _store;

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_pdf_is_one_file_under_the_root_at_its_key()
    {
        var document = StatementSamples.Swedish("ACC-S1");
        var content = RandomNumberGenerator.GetBytes(1_000);

        var stored = await _store.Save(document, new RenderedPdf(content, 1), CancellationToken.None);

        var path = Path.Combine(_root, stored.Key);
        _store.Describe(stored.Key).ShouldBe(path);
        (await File.ReadAllBytesAsync(path)).ShouldBe(content);
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).ShouldBe([path]);
    }

    [Fact]
    public async Task Readers_never_see_half_a_pdf_while_the_same_statement_is_rewritten()
    {
        // Breaks if Save writes straight to the final name: readers then catch it truncated or half-written.
        var document = StatementSamples.Swedish("ACC-S2");
        var versions = Enumerable.Range(0, 2).Select(_ => RandomNumberGenerator.GetBytes(4 * 1024 * 1024)).ToArray();
        var hashes = versions.Select(v => Convert.ToHexStringLower(SHA256.HashData(v))).ToHashSet();
        var key = (await _store.Save(document, new RenderedPdf(versions[0], 1), CancellationToken.None)).Key;
        using var writing = new CancellationTokenSource();
        var reads = 0;

        var reader = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                var seen = await _store.Read(key, CancellationToken.None)
                    ?? throw new InvalidOperationException("The statement was missing while it was rewritten.");
                hashes.ShouldContain(Convert.ToHexStringLower(SHA256.HashData(seen)));
                reads++;
            }
        });
        for (var i = 1; i <= 30; i++)
            await _store.Save(document, new RenderedPdf(versions[i % 2], 1), CancellationToken.None);
        await writing.CancelAsync();
        await reader;

        reads.ShouldBeGreaterThan(5);
        (await _store.Read(key, CancellationToken.None)).ShouldBe(versions[0]);
        Directory.GetFiles(Path.GetDirectoryName(_store.PathOf(key))!).ShouldBe([_store.PathOf(key)]);
    }

    [Fact]
    public async Task A_write_that_fails_leaves_the_previous_pdf_and_no_temporary_file()
    {
        var document = StatementSamples.Swedish("ACC-S3");
        var first = RandomNumberGenerator.GetBytes(1000);
        var key = (await _store.Save(document, new RenderedPdf(first, 1), CancellationToken.None)).Key;

        await Should.ThrowAsync<OperationCanceledException>(() =>
            _store.Save(document, new RenderedPdf(RandomNumberGenerator.GetBytes(1000), 1), new CancellationToken(canceled: true)));

        (await _store.Read(key, CancellationToken.None)).ShouldBe(first);
        Directory.GetFiles(Path.GetDirectoryName(_store.PathOf(key))!).ShouldBe([_store.PathOf(key)]);
    }

    [Fact]
    public async Task A_key_that_is_not_a_statement_key_cannot_climb_out_of_the_store()
    {
        Should.Throw<ArgumentException>(() => _store.PathOf("../etc/passwd"));
        Should.Throw<ArgumentException>(() => _store.PathOf("2026-11-30/../../x.pdf"));
        await Should.ThrowAsync<ArgumentException>(() => _store.Read("..", CancellationToken.None));
    }

    [Fact]
    public async Task A_pdf_rendered_before_keys_is_still_read_from_the_absolute_path_its_statement_recorded()
    {
        // Rows written before PDFs had keys hold the file's absolute path ({root}/{account}/{date}.pdf).
        var legacy = Path.Combine(_root, "ACC-OLD", "2026-10-31.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        await File.WriteAllBytesAsync(legacy, [1, 2, 3]);

        (await _store.Read(legacy, CancellationToken.None)).ShouldBe([1, 2, 3]);
    }
}

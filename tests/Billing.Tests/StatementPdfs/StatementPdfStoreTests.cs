using System.Security.Cryptography;
using Billing.Features.StatementPdfs;
using Microsoft.Extensions.Options;

namespace Billing.Tests.StatementPdfs;

public sealed class StatementPdfStoreTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"statements-{Guid.NewGuid():N}");
    readonly StatementPdfStore _store;

    public StatementPdfStoreTests() =>
        _store = new StatementPdfStore(Options.Create(new StatementPdfOptions { Directory = _root }));

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_pdf_is_stored_per_account_and_statement_date_with_its_sha256_size_and_pages()
    {
        var document = StatementSamples.Swedish("ACC-S1");
        var content = RandomNumberGenerator.GetBytes(10_000);

        var stored = await _store.Save(document, new RenderedPdf(content, 2), CancellationToken.None);

        stored.Path.ShouldBe(Path.Combine(_root, "ACC-S1", "2026-11-30.pdf"));
        (await File.ReadAllBytesAsync(stored.Path)).ShouldBe(content);
        stored.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        stored.Bytes.ShouldBe(10_000);
        stored.Pages.ShouldBe(2);
        Directory.GetFiles(Path.Combine(_root, "ACC-S1")).ShouldBe([stored.Path]);
    }

    [Fact]
    public async Task Readers_never_see_half_a_pdf_while_the_same_statement_is_rewritten()
    {
        // Breaks if Save writes straight to the final name: readers then catch it truncated or half-written.
        var document = StatementSamples.Swedish("ACC-S2");
        var versions = Enumerable.Range(0, 2).Select(_ => RandomNumberGenerator.GetBytes(4 * 1024 * 1024)).ToArray();
        var hashes = versions.Select(v => Convert.ToHexStringLower(SHA256.HashData(v))).ToHashSet();
        var path = (await _store.Save(document, new RenderedPdf(versions[0], 1), CancellationToken.None)).Path;
        using var writing = new CancellationTokenSource();
        var reads = 0;

        var reader = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                byte[] seen;
                try
                {
                    seen = await File.ReadAllBytesAsync(path);
                }
                catch (FileNotFoundException)
                {
                    throw new InvalidOperationException("The statement was missing while it was rewritten.");
                }

                hashes.ShouldContain(Convert.ToHexStringLower(SHA256.HashData(seen)));
                reads++;
            }
        });
        for (var i = 1; i <= 30; i++)
            await _store.Save(document, new RenderedPdf(versions[i % 2], 1), CancellationToken.None);
        await writing.CancelAsync();
        await reader;

        reads.ShouldBeGreaterThan(5);
        (await File.ReadAllBytesAsync(path)).ShouldBe(versions[0]);
        Directory.GetFiles(Path.GetDirectoryName(path)!).ShouldBe([path]);
    }

    [Fact]
    public async Task A_write_that_fails_leaves_the_previous_pdf_and_no_temporary_file()
    {
        var document = StatementSamples.Swedish("ACC-S3");
        var first = RandomNumberGenerator.GetBytes(1000);
        var path = (await _store.Save(document, new RenderedPdf(first, 1), CancellationToken.None)).Path;

        await Should.ThrowAsync<OperationCanceledException>(() =>
            _store.Save(document, new RenderedPdf(RandomNumberGenerator.GetBytes(1000), 1), new CancellationToken(canceled: true)));

        (await File.ReadAllBytesAsync(path)).ShouldBe(first);
        Directory.GetFiles(Path.GetDirectoryName(path)!).ShouldBe([path]);
    }

    [Fact]
    public void An_account_id_cannot_climb_out_of_the_store()
    {
        Should.Throw<ArgumentException>(() => _store.PathOf("../etc", new DateOnly(2026, 11, 30)));
        Should.Throw<ArgumentException>(() => _store.PathOf("..", new DateOnly(2026, 11, 30)));
    }
}

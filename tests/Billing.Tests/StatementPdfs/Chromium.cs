using Billing.Features.StatementPdfs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Billing.Tests.StatementPdfs;

/// <summary>A real pool over the machine's Chromium, as AddStatementPdfs builds it; no Chromium is a failure, not a skip.</summary>
sealed class Chromium : IAsyncDisposable
{
    public Chromium(Action<StatementPdfOptions>? configure = null)
    {
        Options = new StatementPdfOptions { Pages = 2, RenderTimeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(Options);
        if (!File.Exists(Options.ChromiumPath))
            throw new InvalidOperationException($"No Chromium at {Options.ChromiumPath}: these tests need it (scripts/stack.sh up installs it).");
        Html = new StatementHtml(Microsoft.Extensions.Options.Options.Create(new StatementIssuerOptions()));
        Pool = new ChromiumPool(Microsoft.Extensions.Options.Options.Create(Options), Html, NullLoggerFactory.Instance);
        PerPage = new PagePerStatementRenderer(Pool, Html);
        Batched = new BatchingStatementRenderer(Pool, Html, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<BatchingStatementRenderer>.Instance);
    }

    public StatementPdfOptions Options { get; }
    public StatementHtml Html { get; }
    public ChromiumPool Pool { get; }
    public PagePerStatementRenderer PerPage { get; }
    public BatchingStatementRenderer Batched { get; }

    public async ValueTask DisposeAsync()
    {
        await Batched.DisposeAsync();
        await Pool.DisposeAsync();
    }
}

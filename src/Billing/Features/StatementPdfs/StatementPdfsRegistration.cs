using Billing.Features.StatementPdfs.Storage;
using Microsoft.Extensions.Options;

namespace Billing.Features.StatementPdfs;

public static class StatementPdfsRegistration
{
    /// <summary>
    /// Registers <see cref="IStatementRenderer"/> (batched or per page, as <c>Statements:Pdf:Mode</c> says), the Chromium
    /// pool behind it (a singleton, closed on shutdown, started on the first render) and the store the PDFs are kept in (<see cref="IStatementPdfStore"/>).
    /// </summary>
    public static IServiceCollection AddStatementPdfs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StatementIssuerOptions>().Bind(configuration.GetSection(StatementIssuerOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Name), "Statements:Issuer:Name must be set.");
        services.AddOptions<StatementPdfOptions>().Bind(configuration.GetSection(StatementPdfOptions.Section))
            .Validate(o => o.Mode is StatementPdfModes.Batched or StatementPdfModes.Page, "Statements:Pdf:Mode is 'batched' or 'page'.")
            .Validate(o => o.Pages > 0 && o.BatchSize > 0 && o.RenderAttempts > 0, "Statements:Pdf:Pages, BatchSize and RenderAttempts must be positive.")
            .Validate(o => o.RenderTimeout > TimeSpan.Zero, "Statements:Pdf:RenderTimeout must be positive.")
            .Validate(o => ChromiumHeadless.IsKnown(o.Headless), "Statements:Pdf:Headless is 'shell' (chromium-headless-shell) or 'new' (the full chromium).")
            .ValidateOnStart();
        services.AddSingleton<StatementHtml>();
        services.AddSingleton<ChromiumPool>();
        services.AddSingleton<PagePerStatementRenderer>();
        services.AddSingleton<BatchingStatementRenderer>();
        services.AddSingleton<IStatementRenderer>(sp =>
            sp.GetRequiredService<IOptions<StatementPdfOptions>>().Value.Mode == StatementPdfModes.Page
                ? sp.GetRequiredService<PagePerStatementRenderer>()
                : sp.GetRequiredService<BatchingStatementRenderer>());
        services.AddStatementPdfStore(configuration);
        return services;
    }
}

using Billing.Features.StatementPdfs;
using Billing.Features.StatementPdfs.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Tests.StatementPdfs;

public sealed class StatementPdfsRegistrationTests
{
    [Theory]
    [InlineData("batched", typeof(BatchingStatementRenderer))]
    [InlineData("page", typeof(PagePerStatementRenderer))]
    public async Task The_mode_picks_the_renderer_and_nothing_starts_Chromium_before_a_render(string mode, Type renderer)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Statements:Pdf:Mode"] = mode,
            ["Statements:Issuer:Name"] = "Nordbank",
            ["Statements:Issuer:Address:0"] = "Storgatan 1",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddStatementPdfs(configuration);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStatementRenderer>().ShouldBeOfType(renderer);
        provider.GetRequiredService<IStatementPdfStore>().ShouldBeOfType<FileSystemStatementPdfStore>();
        provider.GetRequiredService<ChromiumPool>().Launches.ShouldBe(0);
        provider.GetRequiredService<IOptions<StatementIssuerOptions>>().Value.Address.ShouldBe(["Storgatan 1"]);
    }
}

using Billing.Features.Refunds.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Providers;

public sealed class RefundProviderRegistrationTests
{
    [Fact]
    public async Task Providers_are_found_by_payment_method_and_an_unknown_method_is_a_clear_error()
    {
        await using var adapters = new ProviderAdapters();

        adapters.Providers.Methods.Order().ShouldBe(["card", "swish"]);
        adapters.Providers.For("card").ShouldBeOfType<StripeCardRefundProvider>();
        adapters.Providers.For("swish").ShouldBeOfType<SwishRefundProvider>();
        Should.Throw<ArgumentException>(() => adapters.Providers.For("paypal"))
            .Message.ShouldContain("No refund provider for payment method 'paypal'; known methods: card, swish.");
    }

    [Theory]
    [InlineData("card")]
    [InlineData("swish")]
    public async Task A_provider_that_refuses_connections_is_unavailable(string method)
    {
        await using var adapters = new ProviderAdapters(baseUrl: ProviderAdapters.ClosedPort());

        var refund = await adapters.Providers.For(method).RefundAsync(ProviderAdapters.Order(), CancellationToken.None);
        var lookup = await adapters.Providers.For(method).LookupAsync(ProviderAdapters.Order(), CancellationToken.None);

        (refund.Outcome, refund.Code).ShouldBe((ProviderOutcome.Unavailable, "connection_failed"));
        (lookup.Outcome, lookup.Code).ShouldBe((ProviderOutcome.Unavailable, "connection_failed"));
    }

    [Fact]
    public void The_services_default_settings_point_both_providers_at_the_local_stand_in()
    {
        // Billing's appsettings.json, copied beside the test binaries.
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        using var services = new ServiceCollection().AddLogging().AddRefundProviders(configuration).BuildServiceProvider();

        var card = services.GetRequiredService<IOptions<StripeCardOptions>>().Value;
        var swish = services.GetRequiredService<IOptions<SwishOptions>>().Value;

        (card.BaseUrl, card.ApiKey, card.Timeout).ShouldBe((new Uri("http://127.0.0.1:5090"), "sk_test_standin", TimeSpan.FromSeconds(10)));
        (swish.BaseUrl, swish.Timeout).ShouldBe((new Uri("http://127.0.0.1:5090"), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_host_whose_card_provider_has_no_api_key_does_not_start_and_names_the_setting()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Refunds:Providers:card:BaseUrl"] = "https://api.stripe.com",
            ["Refunds:Providers:swish:PayerAlias"] = "1231181189",
            ["Refunds:Providers:swish:CallbackUrl"] = "https://billing.example/refunds/swish/callback",
        });
        builder.Services.AddRefundProviders(builder.Configuration);
        using var host = builder.Build();

        (await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync()))
            .Message.ShouldBe("Refunds:Providers:card:ApiKey is required (Stripe's secret key, sk_...).");
    }
}

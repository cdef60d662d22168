using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Providers;

public static class RefundProviderRegistration
{
    /// <summary>
    /// The card (Stripe) and Swish refund providers as typed HTTP clients, each configured from
    /// <c>Refunds:Providers:{method}</c> (<c>BaseUrl</c>, <c>ApiKey</c>, <c>Timeout</c>; Swish also <c>PayerAlias</c>,
    /// <c>CallbackUrl</c>), plus <see cref="IRefundProviders"/> to pick one by payment method. Settings are checked at start.
    /// </summary>
    public static IServiceCollection AddRefundProviders(this IServiceCollection services, IConfiguration configuration)
    {
        const string card = $"{RefundProviderOptions.Section}:{StripeCardRefundProvider.MethodName}";
        const string swish = $"{RefundProviderOptions.Section}:{SwishRefundProvider.MethodName}";

        services.AddOptions<StripeCardOptions>()
            .Bind(configuration.GetSection(card))
            .ValidateProvider(card)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ApiKey), $"{card}:ApiKey is required (Stripe's secret key, sk_...).");
        services.AddOptions<SwishOptions>()
            .Bind(configuration.GetSection(swish))
            .ValidateProvider(swish)
            .Validate(o => o.PayerAlias.Length > 0 && o.PayerAlias.All(char.IsAsciiDigit), $"{swish}:PayerAlias must be the merchant's Swish number.")
            .Validate(o => Uri.TryCreate(o.CallbackUrl, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps,
                $"{swish}:CallbackUrl must be an absolute HTTPS URL (Swish refuses others).");

        // No resilience handler: a provider call must not be retried behind the caller's back; the refund saga decides.
        services.AddHttpClient<StripeCardRefundProvider>((sp, http) => Configure(http, sp.GetRequiredService<IOptions<StripeCardOptions>>().Value));
        // Real Swish needs the merchant's client certificate here: .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        // { SslOptions = { ClientCertificates = [...] } }), from settings in SwishOptions.
        services.AddHttpClient<SwishRefundProvider>((sp, http) => Configure(http, sp.GetRequiredService<IOptions<SwishOptions>>().Value));

        services.AddTransient<IRefundProvider>(sp => sp.GetRequiredService<StripeCardRefundProvider>());
        // The providers whose own ledger can be listed, for the ledger auditor (Swish has no list of refunds).
        services.AddTransient<IRefundLedger>(sp => sp.GetRequiredService<StripeCardRefundProvider>());
        services.AddTransient<IRefundProvider>(sp => sp.GetRequiredService<SwishRefundProvider>());
        // Transient like the typed clients it holds, so their handlers keep rotating.
        services.AddTransient<IRefundProviders, RefundProviders>();
        return services;
    }

    static OptionsBuilder<T> ValidateProvider<T>(this OptionsBuilder<T> options, string section)
        where T : RefundProviderOptions =>
        options
            .Validate(o => o.BaseUrl is { IsAbsoluteUri: true, Scheme: "http" or "https" }, $"{section}:BaseUrl must be an absolute http(s) URL.")
            .Validate(o => o.Timeout > TimeSpan.Zero, $"{section}:Timeout must be positive.")
            .ValidateOnStart();

    static void Configure(HttpClient http, RefundProviderOptions options)
    {
        // The adapters use relative paths, so a BaseUrl with a path prefix keeps it only with a trailing slash.
        http.BaseAddress = options.BaseUrl.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");
        http.Timeout = options.Timeout;
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
    }
}

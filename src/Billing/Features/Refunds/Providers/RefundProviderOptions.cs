namespace Billing.Features.Refunds.Providers;

/// <summary>How to reach one refund provider; bound from <c>Refunds:Providers:{method}</c>.</summary>
public abstract class RefundProviderOptions
{
    public const string Section = "Refunds:Providers";

    /// <summary>The provider's API root. The default is the local stand-in, which <c>scripts/stack.sh up</c> starts.</summary>
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1:5090");

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one call waits for its answer; a refund that runs out of time is reported as Unknown.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Stripe's refunds API. <see cref="RefundProviderOptions.ApiKey"/> is the secret key (<c>sk_…</c>) and is required.</summary>
public sealed class StripeCardOptions : RefundProviderOptions;

/// <summary>
/// Swish's refunds API. The real API authenticates the merchant with a client TLS certificate, not a key: its settings
/// (e.g. <c>CertificatePath</c>, <c>CertificatePassword</c>) belong here, loaded into the Swish client's primary handler
/// in <see cref="RefundProviderRegistration.AddRefundProviders"/>. The stand-in needs none, so
/// <see cref="RefundProviderOptions.ApiKey"/> stays optional (a gateway in front of Swish may want one).
/// </summary>
public sealed class SwishOptions : RefundProviderOptions
{
    /// <summary>The merchant's Swish number the refunds are paid from (Swish's <c>payerAlias</c>).</summary>
    public string PayerAlias { get; set; } = "";

    /// <summary>
    /// Where Swish posts a refund's outcome; Swish requires an HTTPS URL in every request. The service does not serve it
    /// yet: outcomes are read with <see cref="IRefundProvider.LookupAsync"/>.
    /// </summary>
    public string CallbackUrl { get; set; } = "";
}

namespace Billing.Features.Refunds.Providers;

/// <summary>The refund providers by payment method, as <see cref="RefundProviderRegistration.AddRefundProviders"/> registers them.</summary>
public interface IRefundProviders
{
    /// <summary>The payment methods that have a provider, e.g. "card" and "swish".</summary>
    IReadOnlyCollection<string> Methods { get; }

    /// <exception cref="ArgumentException">No provider refunds that payment method.</exception>
    IRefundProvider For(string method);
}

internal sealed class RefundProviders(IEnumerable<IRefundProvider> providers) : IRefundProviders
{
    readonly Dictionary<string, IRefundProvider> _byMethod = providers.ToDictionary(p => p.Method, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Methods => _byMethod.Keys;

    public IRefundProvider For(string method) =>
        _byMethod.TryGetValue(method, out var provider)
            ? provider
            : throw new ArgumentException(
                $"No refund provider for payment method '{method}'; known methods: {string.Join(", ", _byMethod.Keys)}.", nameof(method));
}

using System.Net;
using System.Net.Sockets;
using Billing.Features.Refunds.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Providers;

/// <summary>
/// The refund provider adapters registered as the service registers them (<c>AddRefundProviders</c>), talking real
/// HTTP to a fresh stand-in on a loopback Kestrel port, or to any other address a test names.
/// </summary>
public sealed class ProviderAdapters : IAsyncDisposable
{
    public const string ApiKey = "sk_test_standin";

    readonly ServiceProvider _services;

    /// <param name="timeout">Each call's timeout. Shorter than the stand-in's 5 s timeout-after-pay hold, so that hold times out.</param>
    /// <param name="baseUrl">Where the adapters call; the stand-in's address when null.</param>
    public ProviderAdapters(TimeSpan? timeout = null, Uri? baseUrl = null)
    {
        StandIn = new StandInHost(onKestrel: true);
        var url = (baseUrl ?? StandIn.BaseAddress).ToString();
        var wait = (timeout ?? TimeSpan.FromSeconds(10)).ToString("c");
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Refunds:Providers:card:BaseUrl"] = url,
            ["Refunds:Providers:card:ApiKey"] = ApiKey,
            ["Refunds:Providers:card:Timeout"] = wait,
            ["Refunds:Providers:swish:BaseUrl"] = url,
            ["Refunds:Providers:swish:Timeout"] = wait,
            ["Refunds:Providers:swish:PayerAlias"] = "1231181189",
            ["Refunds:Providers:swish:CallbackUrl"] = "https://billing.example/refunds/swish/callback",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddRefundProviders(Configuration).BuildServiceProvider(validateScopes: true);
        Providers = _services.GetRequiredService<IRefundProviders>();
    }

    public StandInHost StandIn { get; }

    public IConfiguration Configuration { get; }

    public IRefundProviders Providers { get; }

    public IRefundProvider Card => Providers.For("card");

    public IRefundProvider Swish => Providers.For("swish");

    public static RefundOrder Order(decimal amount = 12.50m, string currency = "SEK", string paymentId = "pi_1", string? reason = "requested_by_customer") =>
        new(Guid.NewGuid(), paymentId, amount, currency, reason);

    /// <summary>A loopback address nothing listens on: the port was free a moment ago and nobody asked for it since.</summary>
    public static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await StandIn.DisposeAsync();
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Billing.Tests.Support;

/// <summary>A host of the service built in this test process (a role, or a few of its registrations): started, stopped on dispose.</summary>
public sealed class InProcessHost : IAsyncDisposable
{
    readonly IHost _host;

    InProcessHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static async Task<InProcessHost> Start(IHost host)
    {
        await host.StartAsync();
        return new InProcessHost(host);
    }

    /// <summary>The ground's service settings (as configuration keys), then <paramref name="settings"/> over them.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings(TestGround ground, IReadOnlyDictionary<string, string>? settings = null)
    {
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in ground.ServiceSettings.Concat(settings ?? new Dictionary<string, string>()))
            merged[key.Replace("__", ":")] = value;
        return merged;
    }

    public static void Configure(IConfigurationBuilder configuration, TestGround ground, IReadOnlyDictionary<string, string>? settings = null) =>
        configuration.AddInMemoryCollection(Settings(ground, settings));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

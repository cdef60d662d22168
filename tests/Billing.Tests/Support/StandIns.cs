using System.Net.Http.Json;
using Billing.Providers.StandIn;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Support;

/// <summary>
/// The project's provider stand-ins on a loopback port of their own, as a service stack reaches them over HTTP,
/// with the control API (faults, ledger) a test steers them through.
/// </summary>
public sealed class StandIns : IAsyncDisposable
{
    readonly WebApplication _app;

    StandIns(WebApplication app)
    {
        _app = app;
        Url = app.ListeningAddress();
        Client = new HttpClient { BaseAddress = new Uri(Url) };
    }

    public string Url { get; }
    public HttpClient Client { get; }

    /// <summary>Where the service finds each provider: every provider the stand-ins play, pointed here.</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>
    {
        ["Refunds__Providers__card__BaseUrl"] = Url,
        ["Refunds__Providers__swish__BaseUrl"] = Url,
        ["Notifications__Sms__BaseUrl"] = Url,
        ["Notifications__WhatsApp__BaseUrl"] = Url,
    };

    /// <param name="options">The stand-ins' own settings (StandIn:…), over a timeout-after-pay hold of 20 s.</param>
    public static async Task<StandIns> Start(IReadOnlyDictionary<string, string>? options = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var configuration = new Dictionary<string, string?>
        {
            // Longer than any adapter timeout a test sets: the client gives up first, as with a real timeout after pay.
            ["StandIn:TimeoutAfterPayHold"] = "00:00:20",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in options ?? new Dictionary<string, string>())
            configuration[key.Replace("__", ":")] = value;
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddProviderStandIn(builder.Configuration);
        var app = builder.Build();
        app.MapProviderStandIn();
        await app.StartAsync();
        return new StandIns(app);
    }

    public async Task SetFaults(string method, FaultSettings faults)
    {
        using var response = await Client.PutAsJsonAsync($"/control/faults/{method}", faults, StandInHost.Json);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// The SMS and WhatsApp stand-ins ignore their idempotency headers from now on, as Twilio and the Cloud API do: a repeat
    /// is a second message, so only the service itself can keep a holder from getting two.
    /// </summary>
    public async Task IgnoreMessagingKeys()
    {
        using var response = await Client.PutAsJsonAsync("/control/messaging-keys", new MessagingKeysBody(MessagingKeyMode.Ignored), StandInHost.Json);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaults(string method) => (await Client.DeleteAsync($"/control/faults/{method}")).EnsureSuccessStatusCode();

    public async Task<LedgerView> Ledger() => (await Client.GetFromJsonAsync<LedgerView>("/control/ledger", StandInHost.Json))!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}

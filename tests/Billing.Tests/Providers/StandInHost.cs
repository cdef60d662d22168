using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Billing.Providers.StandIn;
using Billing.Providers.StandIn.Control;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Providers;

/// <summary>
/// The provider stand-in in process, fresh for each test: a clock the test moves (for dark windows) and a
/// timeout-after-pay hold short enough that a test whose client never disconnects still ends quickly.
/// </summary>
public sealed class StandInHost : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    readonly WebApplicationFactory<StandInApp> _factory;

    /// <param name="onKestrel">
    /// Listen on a real loopback port (see <see cref="BaseAddress"/>) instead of the in-memory test server, for clients
    /// that must go through the network stack as in production: the refund provider adapters.
    /// </param>
    public StandInHost(bool onKestrel = false)
    {
        _factory = new WebApplicationFactory<StandInApp>().WithWebHostBuilder(host =>
        {
            host.UseSetting("StandIn:TimeoutAfterPayHold", "00:00:05");
            // Its start and stop lines, once per test, buried CI's summary; a warning still shows.
            host.UseSetting("Logging:LogLevel:Default", "Warning");
            host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        if (onKestrel)
        {
            _factory.UseKestrel(0);
            _factory.StartServer();
        }
        Client = CreateClient();
    }

    public Uri BaseAddress => Client.BaseAddress!;

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public HttpClient Client { get; }

    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_standin");
        if (timeout is { } t)
            client.Timeout = t;
        return client;
    }

    public static Dictionary<string, string> CardRefund(string paymentIntent = "pi_1", long amount = 1250, string refundId = "rf-1") => new()
    {
        ["payment_intent"] = paymentIntent,
        ["amount"] = amount.ToString(),
        ["currency"] = "sek",
        ["reason"] = "requested_by_customer",
        ["metadata[refund_id]"] = refundId,
    };

    public Task<HttpResponseMessage> PostCardRefund(string? idempotencyKey, Dictionary<string, string> form, HttpClient? client = null,
        CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/refunds") { Content = new FormUrlEncodedContent(form) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return (client ?? Client).SendAsync(request, cancellationToken);
    }

    public static string SwishRefund(string amount = "100.00", string reference = "rf-2") => $$"""
        {"originalPaymentReference":"6D6CD7406ECE4542A80152D909EF9F6B","callbackUrl":"https://billing.example/swish/callback",
         "payerAlias":"1231181189","amount":"{{amount}}","currency":"SEK","message":"Refund","payerPaymentReference":"{{reference}}"}
        """;

    public Task<HttpResponseMessage> PutSwishRefund(string instructionUuid, string json, HttpClient? client = null) =>
        (client ?? Client).PutAsync($"/swish-cpcapi/api/v2/refunds/{instructionUuid}", new StringContent(json, Encoding.UTF8, "application/json"));

    public const string AccountSid = "AC5ba1d0f1e2c3b4a5968778695a4b3c2d";
    public const string AuthToken = "standin-auth-token";
    public const string WhatsAppToken = "standin-whatsapp-token";
    public const string PhoneNumberId = "1234567890";

    /// <summary>What the stand-in's in-memory server is reached through, for clients that build their own HttpClient.</summary>
    public HttpMessageHandler CreateHandler() => _factory.Server.CreateHandler();

    public static Dictionary<string, string> Sms(string to = "+46701234567", string body = "Your statement for March is ready.") => new()
    {
        ["To"] = to,
        ["From"] = "+46766861004",
        ["Body"] = body,
    };

    public Task<HttpResponseMessage> PostSms(Dictionary<string, string> form, string? idempotencyToken = null, HttpClient? client = null,
        string accountSid = AccountSid, string authToken = AuthToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/2010-04-01/Accounts/{accountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")));
        if (idempotencyToken is not null)
            request.Headers.Add("I-Twilio-Idempotency-Token", idempotencyToken);
        return (client ?? Client).SendAsync(request);
    }

    public static string WhatsAppDocument(string to = "46701234567", string mediaId = "1013859600285441") => $$$"""
        {"messaging_product":"whatsapp","recipient_type":"individual","to":"{{{to}}}","type":"document",
         "document":{"id":"{{{mediaId}}}","filename":"statement-2026-03.pdf","caption":"Your statement for March"}}
        """;

    public static string WhatsAppTemplate(string to = "46701234567") => $$$"""
        {"messaging_product":"whatsapp","to":"{{{to}}}","type":"template",
         "template":{"name":"statement_ready","language":{"code":"sv"},"components":[{"type":"body","parameters":[{"type":"text","text":"March"}]}]}}
        """;

    public Task<HttpResponseMessage> PostWhatsApp(string json, string? idempotencyKey = null, HttpClient? client = null,
        string token = WhatsAppToken, string path = $"/v21.0/{PhoneNumberId}/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return (client ?? Client).SendAsync(request);
    }

    public async Task SetFaults(string method, string json)
    {
        var response = await Client.PutAsync($"/control/faults/{method}", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Honoured (the stand-in extension) or ignored (as Twilio and the Cloud API do): PUT /control/messaging-keys.</summary>
    public async Task SetMessagingKeys(MessagingKeyMode mode) =>
        (await Client.PutAsJsonAsync("/control/messaging-keys", new MessagingKeysBody(mode), Json)).EnsureSuccessStatusCode();

    public async Task ResetFaults(string method) => (await Client.DeleteAsync($"/control/faults/{method}")).EnsureSuccessStatusCode();

    public async Task<LedgerView> Ledger() => (await Client.GetFromJsonAsync<LedgerView>("/control/ledger", Json))!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }
}

public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

public static class ProviderResponses
{
    public static async Task<JsonElement> Body(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The <c>error</c> object of a Stripe-shaped error answer.</summary>
    public static async Task<JsonElement> StripeError(this HttpResponseMessage response) =>
        (await response.Body()).GetProperty("error");

    /// <summary>The <c>error</c> object of a Graph-shaped (WhatsApp) error answer.</summary>
    public static async Task<JsonElement> GraphError(this HttpResponseMessage response) =>
        (await response.Body()).GetProperty("error");

    /// <summary>The error codes of a Swish-shaped error list.</summary>
    public static async Task<string[]> SwishErrorCodes(this HttpResponseMessage response) =>
        [.. (await response.Body()).EnumerateArray().Select(e => e.GetProperty("errorCode").GetString()!)];

    public static string Text(this JsonElement element, string property) =>
        element.GetProperty(property).ValueKind == JsonValueKind.Null ? "" : element.GetProperty(property).ToString();
}

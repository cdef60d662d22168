using Billing.Features.Access;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Refunds.Api;
using Billing.Features.Refunds.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Support;

namespace Billing.Tests.Refunds;

/// <summary>
/// A <see cref="ServiceStack"/> for refund tests: slow-lane waits of 1, 2, 4 s (3 attempts) so a test sees several
/// retries without waiting for minutes, and the refund API and the stand-in's ledger in the words of the tests.
/// </summary>
public sealed class RefundStack : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The refund saga's queue, as the worker names it (MassTransit's kebab-case name of the saga).</summary>
    public static readonly string SagaQueue = MassTransit.KebabCaseEndpointNameFormatter.Instance.Saga<Billing.Features.Refunds.Saga.RefundState>();

    RefundStack(ServiceStack stack) => Stack = stack;

    public ServiceStack Stack { get; }
    public HttpClient Api => Stack.Api;

    /// <summary>A support person's client; what it does is done as <c>key:{person}</c>.</summary>
    public Task<HttpClient> As(string person) => Stack.ClientAs(person, Roles.Support, Roles.Admin);
    public StandIns StandIns => Stack.StandIns;
    public IReadOnlyList<WorkerProcess> Workers => Stack.Workers;

    /// <param name="settings">Service settings over the refund test defaults (environment-variable form).</param>
    /// <param name="standIns">The provider stand-ins' own settings (StandIn__IdempotencyWindow, …).</param>
    public static async Task<RefundStack> Start(IReadOnlyDictionary<string, string>? settings = null, int workers = 1,
        IReadOnlyDictionary<string, string>? standIns = null)
    {
        var service = new Dictionary<string, string>();
        foreach (var method in new[] { "card", "swish" })
        {
            service[$"Refunds__Methods__{method}__SlowLane__Attempts"] = "3";
            service[$"Refunds__Methods__{method}__SlowLane__FirstInterval"] = "00:00:01";
            service[$"Refunds__Methods__{method}__SlowLane__MaxInterval"] = "00:00:08";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            service[key] = value;
        return new RefundStack(await ServiceStack.Start(service, workers, standIns));
    }

    public static object Body(string paymentId, decimal amount, string method = "card", string currency = "SEK", string? reason = "duplicate charge") =>
        new { paymentId, amount, currency, method, reason };

    public Task<HttpResponseMessage> PostRefund(string idempotencyKey, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/refunds") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Api.SendAsync(request);
    }

    /// <summary>Posts a refund and returns its id; fails the test on anything but 202.</summary>
    public async Task<Guid> Refund(string idempotencyKey, object body)
    {
        using var response = await PostRefund(idempotencyKey, body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("refundId").GetGuid();
    }

    public async Task<RefundView> Get(Guid refundId) =>
        (await Api.GetFromJsonAsync<RefundView>($"/refunds/{refundId}", Json))!;

    /// <summary>Waits until the refund reaches <paramref name="status"/>; the failure names where it got stuck.</summary>
    public Task<RefundView> WaitFor(Guid refundId, string status, TimeSpan? timeout = null) =>
        WaitFor(refundId, $"'{status}'", r => r.Status == status, timeout);

    /// <summary>Waits until the refund satisfies <paramref name="condition"/>, described as <paramref name="what"/>.</summary>
    public Task<RefundView> WaitFor(Guid refundId, string what, Func<RefundView, bool> condition, TimeSpan? timeout = null) =>
        Eventually.Get($"refund {refundId} to be {what}", () => Get(refundId), condition, timeout, Describe);

    /// <summary>
    /// The refund provider adapters as the service registers them, calling this stack's stand-ins: for a test that plays
    /// an attempt the service did not make (a late one under an old key). Not <c>ProviderAdapters</c>, which starts a
    /// stand-in of its own on Kestrel, racing the provider tests' own for the entry point.
    /// </summary>
    public ServiceProvider ProviderAdapters()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Refunds:Providers:card:BaseUrl"] = StandIns.Url,
            ["Refunds:Providers:card:ApiKey"] = Billing.Tests.Providers.ProviderAdapters.ApiKey,
            ["Refunds:Providers:swish:BaseUrl"] = StandIns.Url,
            ["Refunds:Providers:swish:PayerAlias"] = "1231181189",
            ["Refunds:Providers:swish:CallbackUrl"] = "https://localhost/refunds/swish/callback",
        }).Build();
        return new ServiceCollection().AddLogging().AddRefundProviders(configuration).BuildServiceProvider();
    }

    public Task SetFaults(string method, FaultSettings faults) => StandIns.SetFaults(method, faults);

    public Task ClearFaults(string method) => StandIns.ClearFaults(method);

    public Task<LedgerView> Ledger() => StandIns.Ledger();

    /// <summary>How many times the provider paid this refund: payments under our reference, whatever key they came with.</summary>
    public async Task<int> TimesPaid(Guid refundId) => (await Ledger()).Payments.Count(p => IsOurs(p.Reference, refundId));

    /// <summary>Registers a payment the refund service knows, so intake checks its refundable balance.</summary>
    public Task KnownPayment(string paymentId, decimal amount, string currency = "SEK", string method = "card") =>
        Execute("insert into refunds.payment (payment_id, amount, currency, method) values ($1, $2, $3, $4)", paymentId, amount, currency, method);

    public Task<long> Count(string sql, params object[] parameters) => Stack.Count(sql, parameters);

    public Task Execute(string sql, params object[] parameters) => Stack.Execute(sql, parameters);

    /// <summary>Our reference at the provider: the refund id, as Stripe's metadata (with dashes) or Swish's reference (without).</summary>
    public static bool IsOurs(string? reference, Guid refundId) =>
        reference == refundId.ToString() || string.Equals(reference, refundId.ToString("N"), StringComparison.OrdinalIgnoreCase);

    public static string Describe(RefundView refund) =>
        $"'{refund.Status}', attempts: {string.Join("; ", refund.Attempts?.Select(a => $"#{a.Number} {a.Lane} {a.Outcome} {a.ErrorCode} @{a.AttemptedAt:HH:mm:ss.fff}") ?? [])}";

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

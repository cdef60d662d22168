using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Refunds.Api;
using Billing.Hosting;
using Billing.Providers.StandIn;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Providers;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Refunds;

/// <summary>
/// Everything a refund test talks to, for real: the provider stand-in on a loopback port, a worker process
/// (sagas, lanes, scheduler) pointed at it, and the API in process on its own port. Slow-lane waits are
/// configured in seconds so a test sees several retries without waiting for minutes.
/// </summary>
public sealed class RefundStack : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly StackFixture _stack;
    readonly Dictionary<string, string> _workerSettings;
    readonly WebApplication _standIn;
    readonly WebApplication _api;
    readonly List<WorkerProcess> _workers = [];

    RefundStack(StackFixture stack, WebApplication standIn, WebApplication api, Dictionary<string, string> workerSettings)
    {
        _stack = stack;
        _standIn = standIn;
        _api = api;
        _workerSettings = workerSettings;
        StandIn = new HttpClient { BaseAddress = new Uri(Address(standIn)) };
        Api = new HttpClient { BaseAddress = new Uri(Address(api)) };
    }

    public HttpClient Api { get; }
    public HttpClient StandIn { get; }
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <param name="settings">Worker settings on top of the test defaults (environment-variable form).</param>
    public static async Task<RefundStack> Start(StackFixture stack, IReadOnlyDictionary<string, string>? settings = null,
        TimeSpan? timeoutAfterPayHold = null)
    {
        var standIn = await StartStandIn(timeoutAfterPayHold ?? TimeSpan.FromSeconds(4));
        var providerUrl = Address(standIn);

        var service = new Dictionary<string, string>(stack.ServiceSettings)
        {
            ["Refunds__Providers__card__BaseUrl"] = providerUrl,
            ["Refunds__Providers__swish__BaseUrl"] = providerUrl,
            ["Refunds__Providers__card__Timeout"] = "00:00:01.500",
            ["Refunds__Providers__swish__Timeout"] = "00:00:01.500",
        };
        foreach (var method in new[] { "card", "swish" })
        {
            service[$"Refunds__Methods__{method}__SlowLane__Attempts"] = "3";
            service[$"Refunds__Methods__{method}__SlowLane__FirstInterval"] = "00:00:01";
            service[$"Refunds__Methods__{method}__SlowLane__MaxInterval"] = "00:00:08";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            service[key] = value;

        var api = BillingHost.Api(["--urls", "http://127.0.0.1:0"], configuration =>
            configuration.AddInMemoryCollection(service.ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value)));
        await api.StartAsync();

        var refunds = new RefundStack(stack, standIn, api, service);
        await refunds.StartWorker();
        return refunds;
    }

    /// <summary>Starts one more worker and waits until it consumes the saga and lane queues.</summary>
    public async Task<WorkerProcess> StartWorker()
    {
        var worker = WorkerProcess.Start(_stack, _workerSettings);
        _workers.Add(worker);
        var expected = _workers.Count(w => !w.HasExited);
        foreach (var queue in new[] { "refund-state", "refund-card-fast", "refund-card-slow", "refund-swish-fast", "refund-swish-slow", "scheduler" })
            await _stack.WaitForConsumers(queue, expected, TimeSpan.FromSeconds(60));
        return worker;
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

    /// <summary>Waits until the refund reaches <paramref name="status"/>; the message names where it got stuck.</summary>
    public async Task<RefundView> WaitFor(Guid refundId, string status, TimeSpan timeout)
    {
        RefundView? last = null;
        try
        {
            return await Eventually.Get(async () =>
            {
                last = await Get(refundId);
                return last.Status == status ? last : null;
            }, timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Refund {refundId} is '{last?.Status}' after {timeout.TotalSeconds:N0} s, not '{status}'. " +
                $"Attempts: {string.Join("; ", last?.Attempts?.Select(a => $"#{a.Number} {a.Lane} {a.Outcome} {a.ErrorCode} @{a.AttemptedAt:HH:mm:ss.fff}") ?? [])}");
        }
    }

    public async Task SetFaults(string method, FaultSettings faults)
    {
        using var response = await StandIn.PutAsJsonAsync($"/control/faults/{method}", faults, StandInHost.Json);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaults(string method) => (await StandIn.DeleteAsync($"/control/faults/{method}")).EnsureSuccessStatusCode();

    public async Task<LedgerView> Ledger() => (await StandIn.GetFromJsonAsync<LedgerView>("/control/ledger", StandInHost.Json))!;

    /// <summary>How many times the provider paid this refund (the stand-in's ledger, keyed by our reference).</summary>
    public async Task<int> TimesPaid(Guid refundId)
    {
        var ledger = await Ledger();
        return ledger.Payments.Count(p => p.Reference == refundId.ToString() || p.Reference == refundId.ToString("N"));
    }

    /// <summary>Registers a payment the refund service knows, so intake checks its refundable balance.</summary>
    public Task KnownPayment(string paymentId, decimal amount, string currency = "SEK", string method = "card") =>
        Execute("insert into refunds.payment (payment_id, amount, currency, method) values ($1, $2, $3, $4)", paymentId, amount, currency, method);

    public async Task<long> Count(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task Execute(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = _stack.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    static async Task<WebApplication> StartStandIn(TimeSpan timeoutAfterPayHold)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StandIn:TimeoutAfterPayHold"] = timeoutAfterPayHold.ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.AddProviderStandIn(builder.Configuration);
        var app = builder.Build();
        app.MapProviderStandIn();
        await app.StartAsync();
        return app;
    }

    static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
            await worker.DisposeAsync();
        await _api.DisposeAsync();
        await _standIn.DisposeAsync();
        Api.Dispose();
        StandIn.Dispose();
    }
}

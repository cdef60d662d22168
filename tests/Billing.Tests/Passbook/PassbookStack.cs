using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

/// <summary>
/// A <see cref="ServiceStack"/> for passbook tests: the refund test settings (short slow lanes), the excess-refund sweep
/// every second, and accounts, repayments and the passbook in the words of the tests.
/// </summary>
public sealed class PassbookStack : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    PassbookStack(RefundStack refunds) => Refunds = refunds;

    public RefundStack Refunds { get; }
    public ServiceStack Stack => Refunds.Stack;
    public HttpClient Api => Refunds.Api;

    public static async Task<PassbookStack> Start(IReadOnlyDictionary<string, string>? settings = null, int workers = 1,
        IReadOnlyDictionary<string, string>? standIns = null)
    {
        var service = new Dictionary<string, string> { ["Passbook__SweepInterval"] = "00:00:01" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            service[key] = value;
        return new PassbookStack(await RefundStack.Start(service, workers, standIns));
    }

    /// <summary>An account with a SEK (or <paramref name="currency"/>) loan, owing <paramref name="owes"/> from one purchase.</summary>
    public async Task<string> Account(decimal owes = 0m, string currency = "SEK")
    {
        var accountId = $"acc-{Guid.NewGuid():N}"[..20];
        await Execute("insert into billing.account (account_id, name) values ($1, 'Test Holder')", accountId);
        await Execute("""
            insert into billing.loan (account_id, currency, credit_limit, apr, statement_day, time_zone, opened_on)
            values ($1, $2, 10000, 0.24, 1, 'Europe/Stockholm', date '2025-01-01')
            """, accountId, currency);
        if (owes > 0)
            await Execute("""
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ($1, 'purchase', $2, $3, $4, now() - interval '10 days', now() - interval '10 days')
                """, accountId, owes, currency, $"purchase:{Guid.NewGuid():N}");
        return accountId;
    }

    public static object Body(string accountId, decimal amount, string gatewayPaymentId, string method = "card", string currency = "SEK",
        DateTimeOffset? paidAt = null, string? source = "webhook") =>
        new { accountId, amount, currency, gatewayPaymentId, method, paidAt = paidAt ?? PaidAt, source };

    /// <summary>A fixed paid-at with microseconds, so a replay's paid-at is the same to the digit.</summary>
    public static readonly DateTimeOffset PaidAt = new DateTimeOffset(2026, 1, 2, 10, 15, 30, TimeSpan.Zero).AddTicks(1_234_560);

    public Task<HttpResponseMessage> Report(object body) => Api.PostAsJsonAsync("/repayments", body, Json);

    public Task<HttpResponseMessage> ReportJson(string json) =>
        Api.PostAsync("/repayments", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Reports a repayment, expects <paramref name="status"/> and returns the answer's JSON.</summary>
    public async Task<JsonElement> Repay(object body, int status = 201)
    {
        using var response = await Report(body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public async Task<JsonElement> Balance(string accountId) =>
        JsonDocument.Parse(await Api.GetStringAsync($"/accounts/{accountId}/balance")).RootElement;

    /// <summary>Waits until the repayment's excess refund has <paramref name="status"/>; returns its refund id.</summary>
    public async Task<Guid> WaitForExcess(string gatewayPaymentId, string status) =>
        Guid.Parse(await Eventually.Get($"the excess refund of {gatewayPaymentId} to be {status}",
            () => Scalar("select status || ' ' || refund_id from billing.excess_refund where gateway_payment_id = $1", gatewayPaymentId),
            s => s?.StartsWith(status + " ") == true) is { } found ? found[(status.Length + 1)..] : "");

    public async Task<string?> Scalar(string sql, params object[] parameters)
    {
        await using var command = Stack.Ground.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    /// <summary>Rows written by repayment intake anywhere: a refused report must leave every one of these at zero.</summary>
    public async Task<string> Written() =>
        string.Join(", ", await Task.WhenAll(
            new[] { "billing.repayment", "billing.passbook_entry where kind <> 'purchase'", "billing.excess_refund", "refunds.payment" }
                .Select(async table => $"{table}: {await Count($"select count(*) from {table}")}")));

    public Task SetFaults(string method, FaultSettings faults) => Refunds.SetFaults(method, faults);

    public Task ClearFaults(string method) => Refunds.ClearFaults(method);

    public Task<int> TimesPaid(Guid refundId) => Refunds.TimesPaid(refundId);

    public Task<long> Count(string sql, params object[] parameters) => Stack.Count(sql, parameters);

    public Task Execute(string sql, params object[] parameters) => Stack.Execute(sql, parameters);

    public static string PaymentId() => $"gw_{Guid.NewGuid():N}";

    public ValueTask DisposeAsync() => Refunds.DisposeAsync();
}

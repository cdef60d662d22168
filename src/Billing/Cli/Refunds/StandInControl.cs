using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Cli.Refunds;

/// <summary>The provider stand-in's control endpoints: faults per method and its ledger of refunds paid.</summary>
public sealed class StandInControl(Uri baseUrl) : IDisposable
{
    readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Fault settings as the stand-in takes them (failRate, failMode, timeoutAfterPayRate, latencyMs, darkUntil, seed).</summary>
    public async Task SetFaults(string method, object faults, CancellationToken ct) =>
        (await _http.PutAsJsonAsync($"control/faults/{method}", faults, ct)).EnsureSuccessStatusCode();

    public async Task ClearFaults(string method, CancellationToken ct) =>
        (await _http.DeleteAsync($"control/faults/{method}", ct)).EnsureSuccessStatusCode();

    public async Task ResetLedger(CancellationToken ct) => (await _http.DeleteAsync("control/ledger", ct)).EnsureSuccessStatusCode();

    /// <summary>
    /// Payments recorded and refunds (our references) paid more than once, which must be none. Counted per reference,
    /// not per idempotency key: the provider deduplicates keys itself, so a double payment shows only here.
    /// </summary>
    public async Task<(int Payments, int ReferencesPaidTwice, IReadOnlySet<string> References)> Ledger(CancellationToken ct)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("control/ledger", ct));
        var payments = document.RootElement.GetProperty("payments");
        var references = payments.EnumerateArray()
            .Select(p => p.GetProperty("reference").GetString() ?? "")
            .ToHashSet();
        var twice = document.RootElement.GetProperty("references").EnumerateArray().Count(r => r.GetProperty("timesPaid").GetInt32() > 1);
        return (payments.GetArrayLength(), twice, references);
    }

    /// <summary>Fails with the fix named when the stand-in does not answer.</summary>
    public async Task EnsureUp(CancellationToken ct)
    {
        try
        {
            (await _http.GetAsync("control/ledger", ct)).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException exception)
        {
            throw new InvalidOperationException(
                $"The provider stand-in does not answer at {_http.BaseAddress}. Start the local stack with `scripts/stack.sh up`.", exception);
        }
    }

    public void Dispose() => _http.Dispose();
}

using System.Net;
using Billing.Tests.Refunds;
using Billing.Tests.StatementDelivery;
using Billing.Tests.Support;

namespace Billing.Tests.Observability;

public class MetricsTests
{
    [Fact]
    public async Task After_a_refund_the_scrapes_carry_its_outcome_and_the_messaging_database_and_http_series()
    {
        var workerPort = FreePort.Next();
        await using var refunds = await RefundStack.Start(new Dictionary<string, string>
        {
            ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{workerPort}",
        });
        var id = await refunds.Refund($"obs-{Guid.NewGuid():N}", RefundStack.Body("pi_obs", 12.5m));
        await refunds.WaitFor(id, "refunded");

        // The API: open to Prometheus without a key (Monitoring:MetricsAnonymous).
        var api = await Scrape(refunds.Stack.AnonymousClient());
        api.ShouldContain("http_server_request_duration_seconds_count{");
        api.ShouldContain("db_client_operation_duration_seconds_count{");
        // MassTransit's series are asserted on the worker only: MassTransit makes its meter once per process, from the
        // first bus's container, so in this test process (API hosts of several test classes come and go) the API's
        // may be gone with an earlier host. A deployed API has one bus and keeps them (seen on a lone run of this test).
        api.ShouldContain("dotnet_gc_collections_total");

        // The worker settled the refund: its own series, and what it consumed.
        using var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{workerPort}") };
        var text = await Eventually.Found("the refund's outcome on the worker's /metrics", async () =>
        {
            var scraped = await Scrape(worker);
            return scraped.Split('\n').Any(l => l.StartsWith("billing_refunds_settled_total{", StringComparison.Ordinal)
                && l.Contains("outcome=\"refunded\"") && l.Contains("method=\"card\"") && SampleValue(l) >= 1)
                ? scraped
                : null;
        });
        text.ShouldContain("messaging_masstransit_saga_ea_total{");
        text.ShouldContain("messaging_masstransit_consume_ea_total{");
        text.ShouldContain("db_client_operation_duration_seconds_count{");
    }

    [Fact]
    public async Task After_a_billing_run_the_worker_counts_accounts_billed_render_times_and_deliveries_per_channel()
    {
        var workerPort = FreePort.Next();
        await using var stack = await StatementStack.Start(new Dictionary<string, string>
        {
            ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{workerPort}",
        });
        await stack.SeedAccounts(3);
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilDelivered(3);

        // At least, not exactly: a metric counts work done, and a consume that rolls back and runs again counts again
        // (docs/operations.md). The scrape is polled because the exporter may answer from its short cache.
        using var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{workerPort}") };
        (string Name, string Prefix, string[] Labels)[] series =
        [
            ("billed", "billing_accounts_billed_total{", []),
            ("rendered", "billing_statement_render_duration_seconds_count{", []),
            .. new[] { "sms", "pdf", "email", "whatsapp" }.Select(channel =>
                ($"sent by {channel}", "billing_statement_deliveries_total{", new[] { $"channel=\"{channel}\"", "outcome=\"sent\"" })),
        ];
        var values = await Eventually.Get("three accounts billed, rendered and sent on each channel on the worker's /metrics", async () =>
        {
            var lines = (await Scrape(worker)).Split('\n');
            return series.ToDictionary(s => s.Name, s => Value(lines, s.Prefix, s.Labels));
        }, found => found.Values.All(v => v >= 3), describe: found => string.Join(", ", found.Select(f => $"{f.Key} {f.Value}")));
        values.Values.ShouldAllBe(v => v < 6, "each of three statements counted about once");
    }

    static double SampleValue(string line) =>
        double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The sum of the series that start with <paramref name="prefix"/> and carry every label given.</summary>
    static double Value(IEnumerable<string> lines, string prefix, params string[] labels) =>
        lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && labels.All(l.Contains))
            .Sum(SampleValue);

    static async Task<string> Scrape(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        (response.Content.Headers.ContentType?.MediaType).ShouldBe("text/plain", text[..Math.Min(text.Length, 500)]);
        return text;
    }
}

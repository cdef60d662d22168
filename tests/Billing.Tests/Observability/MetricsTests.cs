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
                && l.Contains("outcome=\"refunded\"") && l.Contains("method=\"card\"") && l.TrimEnd().EndsWith(" 1", StringComparison.Ordinal))
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

        using var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{workerPort}") };
        var lines = (await Scrape(worker)).Split('\n');
        Value(lines, "billing_accounts_billed_total{").ShouldBe(3);
        Value(lines, "billing_statement_render_duration_seconds_count{").ShouldBe(3);
        foreach (var channel in new[] { "sms", "pdf", "email", "whatsapp" })
            Value(lines, "billing_statement_deliveries_total{", $"channel=\"{channel}\"", "outcome=\"sent\"").ShouldBe(3, channel);
    }

    /// <summary>The sum of the series that start with <paramref name="prefix"/> and carry every label given.</summary>
    static double Value(IEnumerable<string> lines, string prefix, params string[] labels) =>
        lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && labels.All(l.Contains))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));

    static async Task<string> Scrape(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        (response.Content.Headers.ContentType?.MediaType).ShouldBe("text/plain", text[..Math.Min(text.Length, 500)]);
        return text;
    }
}

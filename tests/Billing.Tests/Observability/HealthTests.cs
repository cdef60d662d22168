using System.Net;
using System.Text.Json;
using Billing.Hosting;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Billing.Tests.Observability;

public class HealthTests
{
    [Fact]
    public async Task Readiness_names_every_check_healthy_with_the_stack_up_and_liveness_answers_without_a_key()
    {
        var workerPort = FreePort.Next();
        await using var stack = await ServiceStack.Start(new Dictionary<string, string>
        {
            ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{workerPort}",
        });
        var anonymous = stack.AnonymousClient();

        using var live = await anonymous.GetAsync("/health/live");
        live.StatusCode.ShouldBe(HttpStatusCode.OK, await live.Content.ReadAsStringAsync());

        // The bus may still be connecting when the host has started; ready is what it must become, and soon.
        var ready = await ReadyWithin(anonymous);
        var checks = Checks(ready);
        checks.Keys.ShouldBe(["chromium", "hangfire", "masstransit-bus", "postgres"], ignoreOrder: true, string.Join(", ", checks.Keys));
        checks.ShouldAllBe(c => c.Value == "Healthy");
        ready.GetProperty("checks").GetProperty("postgres").GetProperty("durationMs").GetDouble().ShouldBeGreaterThanOrEqualTo(0);

        // The worker's own listener: its checks include the Chromium pool it prints with.
        using var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{workerPort}") };
        (await worker.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var workerReady = await ReadyWithin(worker);
        Checks(workerReady).ShouldAllBe(c => c.Value == "Healthy");
        Checks(workerReady).Keys.ShouldContain("chromium");
        workerReady.GetProperty("checks").GetProperty("chromium").GetProperty("data").TryGetProperty("printsInFlight", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Readiness_is_503_naming_postgres_when_the_database_cannot_be_reached()
    {
        await using var ground = await TestGround.Create();
        var settings = new Dictionary<string, string>(ground.ServiceSettings)
        {
            // Nothing listens on port 1.
            ["ConnectionStrings__Billing"] = $"Host=127.0.0.1;Port=1;Database={ground.Database};Username={TestGround.User};Password={TestGround.Password};Timeout=3",
        };
        await using var api = BillingHost.Api(["--urls", "http://127.0.0.1:0"], configuration =>
            configuration.AddInMemoryCollection(settings.ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value)));
        await api.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(api.ListeningAddress()) };

        var ready = await Report(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        ready.GetProperty("status").GetString().ShouldBe("Unhealthy");
        Checks(ready)["postgres"].ShouldBe("Unhealthy");
        Checks(ready)["chromium"].ShouldBe("Healthy");
        // Liveness checks nothing: the process is up, a restart would not bring the database back.
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    static async Task<JsonElement> Report(HttpClient client, string path, HttpStatusCode status)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        (response.Content.Headers.ContentType?.MediaType).ShouldBe("application/json", text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    static async Task<JsonElement> ReadyWithin(HttpClient client)
    {
        var (status, text) = await Eventually.Get("/health/ready to answer 200", async () =>
        {
            using var response = await client.GetAsync("/health/ready");
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }, answer => answer.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), answer => $"{(int)answer.StatusCode} {answer.Text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    static Dictionary<string, string> Checks(JsonElement report) =>
        report.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString()!);
}

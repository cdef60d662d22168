using System.Globalization;
using System.Net;
using Billing.Tests.StatementDelivery;
using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// Runs far larger than the room the fan-out leaves in flight: with delivery on (statements go from Ready to Delivered,
/// the state the fan-out once forgot), and a run whose accounts cannot settle is seen as stalled, not left looping.
/// </summary>
public class BillingRunScaleTests
{
    [Fact]
    public async Task A_run_with_delivery_on_and_room_for_40_in_flight_bills_and_delivers_all_400_accounts()
    {
        const int accounts = 400;
        // Breaks when a settled state is missing from RunStates.Settled (Delivered was): the fan-out stops after 40.
        await using var stack = await StatementStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__MaxInFlight"] = "40",
            ["BillingRuns__PageSize"] = "20",
        });
        await stack.SeedAccounts(accounts, whatsAppEvery: 4);
        (await stack.Billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await Eventually.Until("more statements delivered than there is room in flight", async () =>
            await stack.Count("select count(*) from billing.account_billing where current_state = 'Delivered'") > 40, TimeSpan.FromMinutes(3));
        var run = await stack.Billing.WaitUntilFinished(TimeSpan.FromMinutes(5));
        (run.Published, run.Ready, run.Halted).ShouldBe((accounts, accounts, 0), BillingStack.Describe(run));
        run.Warning.ShouldBeNull();

        var delivered = await stack.WaitUntilDelivered(accounts, TimeSpan.FromMinutes(5));
        (await stack.Count("select count(*) from billing.statement where delivery_status = 'delivered'")).ShouldBe(accounts, await stack.Describe());
        await Eventually.Get("the saga of every account delivered", () => stack.Billing.Run(), v => v?.Delivered == accounts,
            TimeSpan.FromMinutes(1), BillingStack.Describe);
        delivered.InProgress.ShouldBe(0);
    }

    [Fact]
    public async Task A_run_whose_accounts_cannot_settle_is_shown_stalled_on_the_api_the_dashboard_and_a_metric_until_it_is_paused()
    {
        var workerPort = FreePort.Next();
        // Every account's passbook step fails and waits ten minutes for its retry: nothing settles, the fan-out waits.
        await using var stack = await BillingStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__MaxInFlight"] = "10",
            ["BillingRuns__PageSize"] = "10",
            ["BillingRuns__StallAfter"] = "00:00:02",
            ["BillingRuns__Faults__Step"] = "passbook",
            ["BillingRuns__Faults__Kind"] = "transient",
            ["BillingRuns__Faults__Times"] = "100000",
            ["BillingRuns__Faults__AccountPrefix"] = "acc-",
            ["BillingRuns__Steps__passbook__FirstDelay"] = "00:10:00",
            ["Monitoring__WorkerUrls"] = $"http://127.0.0.1:{workerPort}",
        });
        await stack.SeedAccounts(30);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var stalled = await Eventually.Get("the run shown stalled", () => stack.Run(), v => v?.StalledSince is not null,
            TimeSpan.FromMinutes(1), BillingStack.Describe);
        (stalled!.Status, stalled.Published, stalled.InProgress).ShouldBe(("fanning_out", 10, 10), BillingStack.Describe(stalled));
        stalled.Warning.ShouldNotBeNull().ShouldContain("none of the 10 account(s) in flight has settled");

        using (var page = await stack.Api.GetAsync($"/dashboard/runs/{BillingStack.RunId}"))
            (await page.Content.ReadAsStringAsync()).ShouldContain("id=\"run-warning\"");
        using (var list = await stack.Api.GetAsync("/dashboard/runs"))
            (await list.Content.ReadAsStringAsync()).ShouldContain(">stalled</span>");

        using var worker = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{workerPort}") };
        await Eventually.Until("billing_runs_stalled 1 on the worker's /metrics", async () => await Stalled(worker) == 1);

        // A pause ends the fan-out's wait, and with it the stall: the run is held on purpose now.
        using (var pause = await stack.Api.PostAsync($"/billing/runs/{BillingStack.RunId}/pause", null))
            pause.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Get("the stall mark taken off", () => stack.Run(), v => v is { Status: "paused", StalledSince: null, Warning: null },
            describe: BillingStack.Describe);
        await Eventually.Until("billing_runs_stalled 0 on the worker's /metrics", async () => await Stalled(worker) == 0);
    }

    static async Task<double?> Stalled(HttpClient worker)
    {
        var line = (await worker.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith("billing_runs_stalled", StringComparison.Ordinal));
        if (line is null)
            return null;
        var value = line.Contains('}') ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ')..];
        return double.Parse(value.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

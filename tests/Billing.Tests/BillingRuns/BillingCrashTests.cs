using System.Net;
using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// A run survives its workers dying and Postgres restarting: the fan-out's lease passes to a surviving worker, which
/// resumes after the last confirmed page; sagas killed mid-transaction are redelivered; every account ends with exactly
/// one statement and nothing is posted twice.
/// </summary>
public class BillingCrashTests
{
    // With delivery on, the same failures are ChaosBillingRunTests' (two workers, each one killed replaced, both servers
    // restarted), which counts every message at the stand-in and the sink too.
    [Fact]
    public async Task A_run_with_workers_killed_twice_and_postgres_restarted_bills_every_account_exactly_once()
    {
        const int accounts = 4000;
        // A small window of work in flight keeps the fan-out going through the failures. Three workers from the start, so
        // no replacement's start-up (seconds on two cores) lets the run slip past the failures meant for its middle.
        await using var stack = await BillingStack.Start(new Dictionary<string, string> { ["BillingRuns__MaxInFlight"] = "300" }, workers: 3);
        await stack.SeedAccounts(accounts);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await ReadyAtLeast(stack, accounts / 10);
        await stack.Stack.Kill(stack.Stack.Workers[0]);

        await ReadyAtLeast(stack, accounts * 3 / 10);
        await stack.Stack.Kill(stack.Stack.Workers[1]);

        var before = await ReadyAtLeast(stack, accounts * 5 / 10);
        before.Ready.ShouldBeLessThan(accounts, "Postgres must restart while accounts are being billed");
        await stack.Stack.RestartPostgres();

        var run = await stack.WaitUntilFinished(TimeSpan.FromMinutes(5));
        run.Ready.ShouldBe(accounts, BillingStack.Describe(run));
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(accounts);
        (await stack.Count("select count(*) from billing.account_billing")).ShouldBe(accounts);
        (await stack.Count("select count(*) from billing.passbook_entry where statement_id is not null"))
            .ShouldBe(await stack.Count("select count(*) from billing.statement where interest <> 0") +
                      await stack.Count("select count(*) from billing.statement where fees <> 0"), "each posted entry once");
        await stack.Stack.WaitUntilIdle(TimeSpan.FromMinutes(2));
        (await stack.Stack.Ground.Queues()).Where(q => q.Name.EndsWith("_error", StringComparison.Ordinal) && q.Messages > 0)
            .ShouldBeEmpty("no message was given up on");
    }

    static Task<Billing.Features.BillingRuns.Runs.BillingRunView> ReadyAtLeast(BillingStack stack, int ready) =>
        Eventually.Get($"at least {ready} accounts ready", async () => (await stack.Run())!, v => v is not null && v.Ready >= ready,
            TimeSpan.FromMinutes(3), BillingStack.Describe);
}

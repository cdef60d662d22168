using Billing.Tests.Support;
using System.Net;
using System.Net.Http.Json;

namespace Billing.Tests.BillingRuns;

public class BillingStepFailureTests
{
    [Fact]
    public async Task A_transient_step_failure_is_retried_on_a_schedule_and_the_account_is_billed()
    {
        // Four runs of the passbook step fail for acc-0000x: two in the first delivery (one immediate retry), then one
        // scheduled retry fails the same way, and the second scheduled retry passes (two are allowed).
        await using var stack = await BillingStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__Faults__Step"] = "passbook",
            ["BillingRuns__Faults__Kind"] = "transient",
            ["BillingRuns__Faults__Times"] = "3",
            ["BillingRuns__Faults__AccountPrefix"] = "acc-0000",
        });
        await stack.SeedAccounts(20);

        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("an account waiting to retry the passbook step", async () =>
            await stack.Count("select count(*) from billing.account_billing where current_state = 'RetryScheduled' and step = 'passbook'") > 0);
        var run = await stack.WaitUntilFinished();

        run.Ready.ShouldBe(20, BillingStack.Describe(run));
        run.Halted.ShouldBe(0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_permanent_step_failure_halts_at_its_step_and_resume_finishes_it(bool delivery)
    {
        var (stack, owner) = await BillingStack.Start(delivery, new Dictionary<string, string>
        {
            ["BillingRuns__Faults__Step"] = "loan",
            ["BillingRuns__Faults__Kind"] = "permanent",
            ["BillingRuns__Faults__Times"] = "1",
            ["BillingRuns__Faults__AccountPrefix"] = "acc-0000",
        });
        await using var _ = owner;
        await stack.SeedAccounts(20);

        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var halted = await stack.WaitUntilFinished();
        halted.Ready.ShouldBe(11, BillingStack.Describe(halted));
        halted.Halted.ShouldBe(9);
        halted.ByStateAndStep.ShouldContain(c => c.State == "Halted" && c.Step == "loan" && c.Reason == "injected" && c.Count == 9);
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(11, "a halted account has no statement");

        using var one = await stack.Api.PostAsync($"/billing/runs/{BillingStack.RunId}/accounts/acc-00001/resume", null);
        one.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("acc-00001 billed after its resume", async () =>
            await stack.Count("select count(*) from billing.statement where account_id = 'acc-00001'") == 1);

        using var rest = await stack.Api.PostAsync($"/billing/runs/{BillingStack.RunId}/resume?step=loan", null);
        rest.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await rest.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["resumed"].ToString().ShouldBe("8");
        var run = await stack.WaitUntilReady(20);
        run.Halted.ShouldBe(0);
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(20);
        if (delivery)
        {
            // The resumed accounts' statements are delivered like the others, and their sagas end Delivered.
            await stack.WaitUntilDelivered(20, TimeSpan.FromMinutes(3));
            await Eventually.Get("every saga delivered", () => stack.Run(), v => v?.Delivered == 20, describe: BillingStack.Describe);
        }
    }

    [Fact]
    public async Task An_account_no_channel_reaches_halts_at_validation_and_is_billed_once_its_contact_is_fixed()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(5);
        await stack.Execute("update billing.account set email = null, phone = null where account_id = 'acc-00003'");

        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var halted = await stack.WaitUntilFinished();
        halted.ByStateAndStep.ShouldContain(c => c.State == "Halted" && c.Step == "validation" && c.Reason == "no_contact" && c.Count == 1,
            BillingStack.Describe(halted));

        halted.HaltedAccounts.ShouldContain(a => a.AccountId == "acc-00003" && a.Step == "validation" && a.Reason == "no_contact");
        using var listed = await stack.Api.GetAsync($"/billing/runs/{BillingStack.RunId}/halted?step=validation");
        (await listed.Content.ReadAsStringAsync()).ShouldContain("acc-00003");

        await stack.Execute("update billing.account set email = 'fixed@example.test' where account_id = 'acc-00003'");
        using var resumed = await stack.Api.PostAsync($"/billing/runs/{BillingStack.RunId}/accounts/acc-00003/resume", null);
        resumed.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var run = await stack.WaitUntilReady(5);
        run.Halted.ShouldBe(0);
    }
}

using Billing.Tests.Support;
using System.Net;

namespace Billing.Tests.BillingRuns;

public class BillingRunTests
{
    [Fact]
    public async Task A_thousand_accounts_are_billed_end_to_end_with_one_statement_each()
    {
        await using var stack = await BillingStack.Start();
        var accounts = await stack.SeedAccounts(1000);

        using var started = await stack.StartRun();
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var run = await stack.WaitUntilFinished(TimeSpan.FromMinutes(3));

        run.Total.ShouldBe(accounts.Count);
        run.Ready.ShouldBe(accounts.Count, BillingStack.Describe(run));
        (await stack.Count("select count(*) from billing.statement where statement_date = $1", BillingStack.Today)).ShouldBe(accounts.Count);
        (await stack.Count("select count(distinct account_id) from billing.statement where statement_date = $1", BillingStack.Today)).ShouldBe(accounts.Count);
        // 500.00 owed before the period, no earlier statement: no grace, so every statement charges interest, and posts it once.
        (await stack.Count("select count(*) from billing.statement where interest > 0 and opening_balance = 500")).ShouldBe(accounts.Count);
        (await stack.Count("select count(*) from billing.passbook_entry where kind = 'interest'")).ShouldBe(accounts.Count);
    }

    [Fact]
    public async Task Starting_the_same_date_again_gives_the_same_run_and_no_second_statement()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(50);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilFinished();
        var interest = await stack.Count("select count(*) from billing.passbook_entry where kind = 'interest'");
        interest.ShouldBe(50);

        using var again = await stack.StartRun();
        again.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await again.Content.ReadAsStringAsync()).ShouldContain(BillingStack.RunId.ToString());
        // And each account's start delivered once more, as a crashed fan-out would: the sagas ignore it.
        await using (var bus = await TestBus.Start(stack.Stack.Ground))
            foreach (var account in new[] { "acc-00001", "acc-00002" })
                await bus.Bus.Publish(new Billing.Contracts.BillingRuns.BillAccount(BillingStack.RunId, BillingStack.Today, account));
        await stack.Stack.WaitUntilIdle();

        (await stack.Count("select count(*) from billing.billing_run")).ShouldBe(1);
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(50);
        (await stack.Count("select count(*) from billing.passbook_entry where kind = 'interest'")).ShouldBe(interest);
        (await stack.Run())!.Ready.ShouldBe(50);
    }

    [Theory]
    [InlineData("{\"statementDate\": \"2026-13-01\"}")]
    [InlineData("{\"statementDate\": 20261201}")]
    [InlineData("{\"statementDate\": ")]
    [InlineData("{}")]
    [InlineData("{\"statementDate\": \"2999-01-01\"}")]
    public async Task A_bad_start_is_a_problem_and_opens_no_run(string body)
    {
        await using var stack = await BillingStack.Start(workers: 0);
        using var response = await stack.Api.PostAsync("/billing/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).ShouldBe(400, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await stack.Count("select count(*) from billing.billing_run")).ShouldBe(0);
    }

    [Fact]
    public async Task Unknown_runs_accounts_and_steps_are_problems()
    {
        await using var stack = await BillingStack.Start(workers: 0);
        var unknown = Guid.NewGuid();
        foreach (var (method, path, status) in new[]
        {
            ("GET", $"/billing/runs/{unknown}", 404),
            ("GET", $"/billing/runs/{unknown}/halted", 404),
            ("GET", $"/billing/runs/{unknown}/halted?step=nope", 400),
            ("GET", $"/billing/runs/{unknown}/halted?limit=0", 400),
            ("POST", $"/billing/runs/{unknown}/resume?step=loan", 404),
            ("POST", $"/billing/runs/{unknown}/resume?step=nope", 400),
            ("POST", $"/billing/runs/{unknown}/resume", 400),
            ("POST", $"/billing/runs/{unknown}/accounts/acc-1/resume", 404),
            ("GET", "/billing/runs/not-a-guid", 404),
        })
        {
            using var response = await stack.Api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            ((int)response.StatusCode).ShouldBe(status, $"{method} {path}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

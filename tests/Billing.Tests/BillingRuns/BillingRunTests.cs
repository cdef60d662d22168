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
    }
}

using Billing.Cli.BillingRuns;
using Billing.Tests.BillingRuns;

namespace Billing.Tests.Deployment;

/// <summary>
/// The demo starts its billing data afresh with one truncate. A table added later that references one of those (the
/// reversals and moves of repayments did) made Postgres refuse it, and the demo failed at its first step.
/// </summary>
public class DemoResetTests
{
    [Fact]
    public async Task The_demo_empties_its_billing_data_on_a_database_with_every_migration_and_billed_data_in_it()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(2);

        await stack.Execute(BillingDemo.ResetSql);

        (await stack.Count("select count(*) from billing.account")).ShouldBe(0);
        (await stack.Count("select count(*) from billing.passbook_entry")).ShouldBe(0);
    }
}

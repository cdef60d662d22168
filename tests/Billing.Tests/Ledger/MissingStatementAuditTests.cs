using System.Net;
using Billing.Features.Ledger;
using Billing.Tests.BillingRuns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.Ledger;

/// <summary>
/// The auditor's statement_missing rule (issue 19: "no account due on a past date lacks a statement or a halt with a
/// reason"): each account missing a statement is its own violation, and a date no billing run ever billed counts as well
/// as a date whose run skipped the account.
/// </summary>
public class MissingStatementAuditTests
{
    [Fact]
    public async Task Every_account_due_on_a_past_date_that_no_run_billed_is_a_violation_of_its_own()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(3);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await stack.WaitUntilFinished()).Ready.ShouldBe(3);
        var auditor = new LedgerAuditor(stack.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance);
        (await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None)).Violations.ShouldBe(0);

        // Billing here began two months ago (the accounts opened that day, so nothing was due then); last month's date has
        // no run, as after an outage longer than the daily job's catch-up. acc-00001's and acc-00002's statements of today
        // span last month's date (billed two periods as one); acc-00003's begins at it (its first: nothing was due before).
        var lastMonth = BillingStack.Today.AddMonths(-1);
        await stack.Stack.Execute("""
            insert into billing.billing_run (run_id, statement_date, trigger, status, fanned_out_at)
            values ($1, $2, 'test', 'fanned_out', now() - interval '60 days')
            """, Guid.NewGuid(), lastMonth.AddMonths(-1));
        await stack.Stack.Execute("update billing.statement set period_start = period_start - interval '1 month' where account_id in ('acc-00001', 'acc-00002')");

        var found = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None);

        found.ByRule.Keys.Order().ShouldBe(["statement_missing"]);
        (await stack.Stack.Query("select account_id || ' ' || subject from billing.ledger_violation where audit_id = $1 order by account_id", found.AuditId))
            .ShouldBe([$"acc-00001 account acc-00001 due {lastMonth:yyyy-MM-dd}", $"acc-00002 account acc-00002 due {lastMonth:yyyy-MM-dd}"]);
        (await stack.Stack.Query("select detail from billing.ledger_violation where audit_id = $1", found.AuditId))
            .ShouldAllBe(d => d.Contains("no billing run"));
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Billing.Features.BillingRuns;
using Billing.Features.Ledger;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// Two billings of one account for different dates at once (issue 19, M4: last month's date resumed while this month's
/// run bills the account): the earlier one is held open in its transaction by a stall in its validation step, the later
/// one is started meanwhile. Fails with the loan row lock taken out of <c>AccountReads</c> (seen): the later billing then
/// reads no previous statement and opens without the interest last month's statement charged. (<see cref="AccountTurnTests"/>
/// holds the row from the test itself; this one holds it with a real billing.)
/// </summary>
public class TwoDatesAtOnceTests
{
    const string Account = "acc-00001";

    [Fact]
    public async Task A_later_date_billed_while_an_earlier_one_is_open_waits_and_opens_with_its_statement_and_a_repayment_does_not_wait()
    {
        await using var stack = await BillingStack.Start(new Dictionary<string, string>
        {
            // The first billing of the account to reach validation (last month's) waits there, its transaction open.
            ["BillingRuns__Faults__Step"] = "validation",
            ["BillingRuns__Faults__Kind"] = "stall",
            ["BillingRuns__Faults__StallSeconds"] = "8",
            ["BillingRuns__Faults__Times"] = "1",
            ["BillingRuns__Faults__AccountPrefix"] = Account,
            // The lock under test is between two transactions. In one consume group both billings would share a
            // transaction, the later one run after the earlier one's writes (GroupedConsumeTests shows that order).
            ["Messaging__Grouping__account-billing-state__Size"] = "1",
        });
        await stack.SeedAccounts(1);
        var lastMonth = BillingStack.Today.AddMonths(-1);
        // Owed before last month's period, so last month's statement charges interest: what this month's must open with.
        await stack.Stack.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            values ($1, 'purchase', 300, 'SEK', 'owed-before', $2, $2)
            """, Account, new DateTimeOffset(lastMonth.AddMonths(-1).AddDays(-1).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        var quiet = await TimedRepayment(stack);

        (await stack.StartRun(lastMonth)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("last month's billing stalled in its open transaction", () => BillingOpen(stack));
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("this month's billing waiting for the account (or, without the lock, billed)", async () =>
            await stack.Count("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") > 0
            || await stack.Count("select count(*) from billing.statement where statement_date = $1", BillingStack.Today) > 0);

        var during = await TimedRepayment(stack);
        (await BillingOpen(stack)).ShouldBeTrue("the repayment was answered while last month's billing was still open");
        during.ShouldBeLessThan(quiet + TimeSpan.FromSeconds(1), $"a repayment never waits on billing (quiet: {quiet.TotalMilliseconds:0} ms)");

        (await stack.WaitUntilFinished(TimeSpan.FromMinutes(2), BillingIds.Run(lastMonth))).Ready.ShouldBe(1);
        (await stack.WaitUntilFinished(TimeSpan.FromMinutes(2))).Ready.ShouldBe(1);
        (await stack.Stack.Query("""
            select (a.interest > 0 and b.opening_balance = a.closing_balance and b.period_start = a.cutoff)::text
            from billing.statement a join billing.statement b on b.account_id = a.account_id and b.statement_date = $2
            where a.account_id = $1 and a.statement_date = $3
            """, Account, BillingStack.Today, lastMonth)).ShouldBe(["true"], "this month's statement opens where last month's closed, its interest included");
        var audit = await new LedgerAuditor(stack.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance).Run(Guid.NewGuid(), "test", CancellationToken.None);
        audit.Violations.ShouldBe(0, string.Join("\n", await stack.Stack.Query("select detail from billing.ledger_violation where audit_id = $1", audit.AuditId)));
    }

    static async Task<TimeSpan> TimedRepayment(BillingStack stack)
    {
        var clock = Stopwatch.StartNew();
        using var response = await stack.Api.PostAsJsonAsync("/repayments", new
        {
            accountId = Account, amount = 10m, currency = "SEK", gatewayPaymentId = $"gw_{Guid.NewGuid():N}", method = "card",
            paidAt = DateTimeOffset.UtcNow, source = "webhook",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return clock.Elapsed;
    }

    /// <summary>A worker's transaction has stood idle for over a second: the stalled billing (no other stays open so long).</summary>
    static async Task<bool> BillingOpen(BillingStack stack) => await stack.Count("""
        select count(*) from pg_stat_activity
        where datname = current_database() and state = 'idle in transaction' and xact_start < now() - interval '1 second'
        """) == 1;
}

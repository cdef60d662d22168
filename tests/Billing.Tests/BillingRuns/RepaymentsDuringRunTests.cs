using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// Billing holds no lock a repayment waits on. The billing of acc-00001 is stalled inside its transaction (after the
/// passbook, user-data and loan steps have read the account), and repayments to that account are answered while the
/// transaction is still open: a repayment that waited on billing, as the seed's "block duplicate repayments" lock made it,
/// could only be answered after the commit. Ordering, not timing, so a busy machine cannot fail it. The repayments are
/// booked after the statement's cut-off, so they count toward the next statement.
/// </summary>
public class RepaymentsDuringRunTests
{
    const string Stalled = "acc-00001";
    static readonly DateTimeOffset PaidAt = DateTimeOffset.UtcNow.AddSeconds(-1);

    [Fact]
    public async Task Repayments_during_a_run_are_accepted_without_waiting_and_count_toward_the_next_statement()
    {
        await using var stack = await BillingStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__Faults__Step"] = "validation",
            ["BillingRuns__Faults__Kind"] = "stall",
            ["BillingRuns__Faults__StallSeconds"] = "20",
            ["BillingRuns__Faults__Times"] = "1",
            ["BillingRuns__Faults__AccountPrefix"] = Stalled,
        });
        await stack.SeedAccounts(20);

        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        // Not "the other 19 billed": the accounts consumed in one group with acc-00001 (Messaging:Grouping) commit with it.
        await Eventually.Until("the billing of acc-00001 stalled in its open transaction", () => BillingOpen(stack));

        for (var i = 1; i <= 3; i++)
        {
            using var response = await Repay(stack, $"pi_during_{i}");
            ((int)response.StatusCode).ShouldBe(201, await response.Content.ReadAsStringAsync());
        }

        using (var replay = await Repay(stack, "pi_during_1"))
            replay.StatusCode.ShouldBe(HttpStatusCode.OK, "the same report again is a replay, also while billing");
        (await BillingOpen(stack)).ShouldBeTrue("the repayments were answered while the billing transaction was still open");
        (await stack.Count("select count(*) from billing.statement where account_id = $1", Stalled)).ShouldBe(0);

        var run = await stack.WaitUntilFinished(TimeSpan.FromMinutes(2));
        run.Ready.ShouldBe(20, BillingStack.Describe(run));
        // Booked after the cut-off: not on this statement; the balance shows them as repaid since it.
        (await stack.Count("select count(*) from billing.statement where repayments <> 0")).ShouldBe(0);
        (await stack.Count("select count(*) from billing.passbook_entry where kind = 'repayment' and account_id = $1", Stalled)).ShouldBe(3);
        var balance = await stack.Api.GetFromJsonAsync<JsonElement>($"/accounts/{Stalled}/balance", BillingStack.Json);
        balance.GetProperty("lastStatement").GetProperty("repaidSinceCutoff").GetDecimal().ShouldBe(300.00m);
    }

    static Task<HttpResponseMessage> Repay(BillingStack stack, string gatewayPaymentId) =>
        stack.Api.PostAsJsonAsync("/repayments", new
        {
            accountId = Stalled,
            amount = 100.00m,
            currency = "SEK",
            gatewayPaymentId,
            method = "card",
            paidAt = PaidAt,
        });

    /// <summary>A worker's transaction has stood idle for over a second: the stalled billing (no other stays open so long).</summary>
    static async Task<bool> BillingOpen(BillingStack stack) => await stack.Count("""
        select count(*) from pg_stat_activity
        where datname = current_database() and state = 'idle in transaction' and xact_start < now() - interval '1 second'
        """) == 1;
}

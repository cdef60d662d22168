using System.Net;
using Billing.Features.BillingRuns;
using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary>Two cycles in a row: what the first statement leaves is what the second starts from, and nothing is charged twice.</summary>
public class BillingCycleTests
{
    [Fact]
    public async Task The_second_statement_opens_with_the_first_closing_and_charges_interest_and_one_late_fee_for_the_unpaid_minimum()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(10);
        var first = BillingStack.Today.AddMonths(-1);

        // First cycle: the 500.00 purchase only; no earlier balance, so grace and no interest; minimum 35.00 (the floor).
        (await stack.StartRun(first)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await stack.WaitUntilFinished(runId: BillingIds.Run(first));
        (await stack.Count("select count(*) from billing.statement where statement_date = $1 and closing_balance = 500 and minimum_due = 35 and interest = 0",
            first)).ShouldBe(10);

        // Second cycle, nothing paid: opening 500.00, the 1,000.00 purchase, interest (no grace: the 500.00 was not paid),
        // and the late fee min(25.00, 35.00) once, with the 35.00 past due.
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var run = await stack.WaitUntilFinished();
        run.Ready.ShouldBe(10, BillingStack.Describe(run));
        (await stack.Count("""
            select count(*) from billing.statement
            where statement_date = $1 and opening_balance = 500 and purchases = 1000 and interest > 0 and fees = 25 and past_due = 35
              and closing_balance = 1525 + interest
            """, BillingStack.Today)).ShouldBe(10);
        (await stack.Count("select count(*) from billing.passbook_entry where kind = 'fee' and external_ref like 'late-fee:%'")).ShouldBe(10);
        (await stack.Count("select count(*) from billing.passbook_entry where kind = 'interest'")).ShouldBe(10);

        // Back-dated: the first date again changes nothing (its run is there), and an account started for an even older
        // date halts (a later statement exists) instead of billing entries its later statements hold already.
        (await stack.StartRun(first)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var older = first.AddMonths(-1);
        await using (var bus = await TestBus.Start(stack.Stack.Ground))
            await bus.Bus.Publish(new Billing.Contracts.BillingRuns.BillAccount(BillingIds.Run(older), older, "acc-00001"));
        await Eventually.Until("the back-dated billing halted", async () => await stack.Count(
            "select count(*) from billing.account_billing where statement_date = $1 and current_state = 'Halted' and halt_reason = 'later_statement_exists'",
            older) == 1);
        await stack.Stack.WaitUntilIdle();
        (await stack.Count("select count(*) from billing.statement")).ShouldBe(20);
        (await stack.Count("select count(*) from billing.passbook_entry where statement_id is not null")).ShouldBe(20);
    }

    [Fact]
    public async Task An_account_with_a_statement_already_on_the_date_halts_instead_of_being_charged_again()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(3);
        // As an import of that statement would leave it (another statement id than the run's).
        await stack.Execute("""
            insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff, opening_balance,
                purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due, due_date, entry_count)
            values (gen_random_uuid(), 'acc-00002', $1, 'imported', 'SEK', now(), now(), 0, 0, 0, 0, 0, 0, 0, 1500, 35, 0, $2, 0)
            """, BillingStack.Today, BillingStack.Today.AddDays(25));

        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var run = await stack.WaitUntilFinished();
        run.Ready.ShouldBe(2, BillingStack.Describe(run));
        run.ByStateAndStep.ShouldContain(c => c.State == "Halted" && c.Step == "block-duplicates" && c.Reason == "statement_exists" && c.Count == 1);
        (await stack.Count("select count(*) from billing.passbook_entry where account_id = 'acc-00002' and statement_id is not null")).ShouldBe(0);
    }
}

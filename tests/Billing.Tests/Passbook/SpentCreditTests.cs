using System.Net.Http.Json;
using System.Text.Json;
using Billing.Providers.StandIn.Control;

namespace Billing.Tests.Passbook;

/// <summary>
/// A failed excess refund reserves the credit it was for only while the account still has that credit (review L1):
/// purchases that spent it leave nothing for the failed refund to pay, and a later overpayment is refunded in full.
/// </summary>
public class SpentCreditTests
{
    // Catches the cut-back dropped from the repayment intake (the second overpayment then refunds nothing: the failed 50
    // still reserves the credit), and a failed excess cut back to 'cancelling' instead of 'cancelled' (counted as
    // reserved, the same nothing).
    [Fact]
    public async Task A_failed_excess_whose_credit_purchases_spent_is_cancelled_by_the_next_overpayment_which_is_refunded_in_full()
    {
        await using var passbook = await PassbookStack.Start();
        var (account, firstPayment, firstRefund) = await RefundOutcomeTests.DeclinedExcess(passbook);
        await passbook.ClearFaults("card");
        await Purchase(passbook, account, 50m);

        var secondPayment = PassbookStack.PaymentId();
        var answer = await passbook.Repay(PassbookStack.Body(account, 50m, secondPayment));

        answer.GetProperty("excessRefund").GetProperty("amount").GetDecimal().ShouldBe(50m, "the second overpayment is all excess");
        await passbook.WaitForExcess(firstPayment, "cancelled");
        await passbook.Refunds.WaitFor(firstRefund, "cancelled");
        await passbook.WaitForExcess(secondPayment, "refunded");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(firstRefund)).ShouldBe(0);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(0m);
    }

    // The cancel of a failed excess is sent after billing's commit and may be lost; support's retry must not pay the
    // credit out anyway. Catches the saga's check (RefundIntake.CancelledByBilling) removed: the retry pays 50.
    [Fact]
    public async Task Support_retrying_a_failed_excess_billing_cancelled_closes_it_unpaid_even_when_the_cancel_never_arrived()
    {
        await using var passbook = await PassbookStack.Start();
        var (account, payment, refundId) = await RefundOutcomeTests.DeclinedExcess(passbook);
        await passbook.ClearFaults("card");
        // What ReleaseShortfall writes for a failed excess at rest, without the CancelRefund it sends after its commit.
        await passbook.Execute("""
            update billing.excess_refund set status = 'cancelled', settled_at = now(), detail = 'purchases spent the credit'
            where refund_id = $1
            """, refundId);

        using (var retry = await (await passbook.Refunds.As("fia@support")).PostAsJsonAsync($"/refunds/{refundId}/retry", new { }))
            ((int)retry.StatusCode).ShouldBe(202, await retry.Content.ReadAsStringAsync());

        await passbook.Refunds.WaitFor(refundId, "cancelled");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(refundId)).ShouldBe(0);
        (await passbook.Scalar("select status from billing.excess_refund where refund_id = $1", refundId)).ShouldBe("cancelled");
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(-50m, "the credit stays on the account");
    }

    static Task Purchase(PassbookStack passbook, string account, decimal amount) =>
        passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            values ($1, 'purchase', $2, 'SEK', $3, now(), now())
            """, account, amount, $"purchase:{Guid.NewGuid():N}");
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

/// <summary>
/// Every refund outcome that moves money of a repayment reaches the passbook, with the refund saga and the passbook both
/// running (issue 19: M1, M2, M3, M6 in the money review). Each account owes 100 and pays 150, so 50 is the excess.
/// </summary>
public class RefundOutcomeTests
{
    const string StripeSecret = "whsec_test_i19";

    [Fact]
    public async Task An_excess_refund_declined_then_paid_by_bank_transfer_and_resolved_as_paid_elsewhere_is_booked_and_its_credit_gone()
    {
        await using var passbook = await PassbookStack.Start();
        var (account, payment, refundId) = await DeclinedExcess(passbook);

        await Resolve(passbook, refundId, paidElsewhere: true);

        await passbook.WaitForExcess(payment, "refunded");
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'refund' and amount = 50 and external_ref = $1",
            $"refund:{refundId}:paid-elsewhere")).ShouldBe(1);
        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(0m, "the 50 went out by bank transfer: no credit is left to spend");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(refundId)).ShouldBe(0);
    }

    [Fact]
    public async Task An_excess_refund_cancelled_or_resolved_unpaid_releases_its_reservation_and_the_credit_stays_on_the_account()
    {
        await using var passbook = await PassbookStack.Start();
        var (cancelledAccount, cancelledPayment, cancelled) = await DeclinedExcess(passbook);
        var (resolvedAccount, resolvedPayment, resolved) = await DeclinedExcess(passbook);

        using (var cancel = await (await passbook.Refunds.As("ida@support")).PostAsJsonAsync($"/refunds/{cancelled}/cancel",
                   new { reason = "the holder keeps the credit for next month" }))
            cancel.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Resolve(passbook, resolved, paidElsewhere: false);

        foreach (var (account, payment) in new[] { (cancelledAccount, cancelledPayment), (resolvedAccount, resolvedPayment) })
        {
            await passbook.WaitForExcess(payment, "cancelled");
            var balance = await passbook.Balance(account);
            balance.GetProperty("balance").GetDecimal().ShouldBe(-50m);
            balance.GetProperty("credit").GetDecimal().ShouldBe(50m);
        }

        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'refund'")).ShouldBe(0);
    }

    [Fact]
    public async Task An_excess_refund_stripe_fails_after_paying_is_reversed_in_the_passbook_and_booked_again_when_paid_again()
    {
        await using var passbook = await PassbookStack.Start(new Dictionary<string, string> { ["Refunds__Webhooks__Stripe__Secret"] = StripeSecret },
            standIns: new Dictionary<string, string> { ["StandIn__LateFailAfter"] = "00:00:04" });
        using (var target = await passbook.Refunds.StandIns.Client.PutAsJsonAsync("/control/webhooks/card",
                   new { url = new Uri(passbook.Api.BaseAddress!, "/webhooks/stripe").ToString(), secret = StripeSecret }))
            target.EnsureSuccessStatusCode();
        await passbook.SetFaults("card", new FaultSettings(LateFailRate: 1));
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        await passbook.Repay(PassbookStack.Body(account, 150m, payment));
        var refundId = await passbook.WaitForExcess(payment, "refunded");
        var paid = await passbook.Refunds.WaitFor(refundId, "refunded");
        await passbook.Refunds.WaitFor(refundId, "failed");

        await passbook.WaitForExcess(payment, "failed");
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref = $1 and amount = 50",
            $"refund:{refundId}:{paid.ProviderRefundId}")).ShouldBe(1);
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref = $1 and amount = -50 and kind = 'refund'",
            $"refund-reversal:{refundId}:{paid.ProviderRefundId}")).ShouldBe(1);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(-50m, "the money came back: the holder is in credit again");

        await passbook.ClearFaults("card");
        using (var retry = await (await passbook.Refunds.As("fia@support")).PostAsJsonAsync($"/refunds/{refundId}/retry", new { }))
            retry.EnsureSuccessStatusCode();
        var again = await passbook.Refunds.WaitFor(refundId, "refunded again", r => r.Status == "refunded" && r.ProviderRefundId != paid.ProviderRefundId);
        await passbook.WaitForExcess(payment, "refunded");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref = $1 and amount = 50",
            $"refund:{refundId}:{again.ProviderRefundId}")).ShouldBe(1);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(0m);
        (await passbook.TimesPaid(refundId)).ShouldBe(1);
    }

    [Fact]
    public async Task Another_systems_refund_of_a_repayment_is_booked_on_its_account_and_one_of_an_overpayment_being_refunded_is_refused()
    {
        await using var passbook = await PassbookStack.Start();
        var exact = await passbook.Account(owes: 100m);
        var exactPayment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(exact, 100m, exactPayment));

        // A disputes tool gives back 40 of a repayment: the loan no longer counts those 40 as repaid.
        var disputed = await passbook.Refunds.Refund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(exactPayment, 40m));
        await passbook.Refunds.WaitFor(disputed, "refunded");
        await Eventually.Until("the disputes tool's refund booked", async () =>
            (await passbook.Balance(exact)).GetProperty("balance").GetDecimal() == 40m);

        // While billing's own refund of an overpayment is unsettled, another refund of it would pay the same 50 twice.
        var (over, overPayment, excess) = await DeclinedExcess(passbook);
        using (var refused = await passbook.Refunds.PostRefund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(overPayment, 50m)))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict, await refused.Content.ReadAsStringAsync());
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(RefundRejections.ExcessRefundUnsettled);
        }

        // Once support cancels it, the other system's refund goes ahead and is the one booked.
        using (var cancel = await (await passbook.Refunds.As("ida@support")).PostAsJsonAsync($"/refunds/{excess}/cancel", new { reason = "the disputes team refunds it" }))
            cancel.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await passbook.WaitForExcess(overPayment, "cancelled");
        await passbook.ClearFaults("card");
        var instead = await passbook.Refunds.Refund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(overPayment, 50m));
        await passbook.Refunds.WaitFor(instead, "refunded");
        await Eventually.Until("the other refund booked", async () => (await passbook.Balance(over)).GetProperty("balance").GetDecimal() == 0m);
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(excess)).ShouldBe(0);
        (await passbook.TimesPaid(instead)).ShouldBe(1);
    }

    [Theory]
    [InlineData("excess:gw_someone_elses")]
    [InlineData("EXCESS:gw_shouting")]
    public async Task A_key_the_service_reserves_for_its_own_refunds_is_refused_at_the_intake_and_nothing_is_stored(string key)
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, payment));

        using var refused = await passbook.Refunds.PostRefund(key, RefundStack.Body(payment, 10m));

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("Idempotency-Key")[0].GetString()!.ShouldContain("reserved");
        (await passbook.Count("select count(*) from refunds.refund where payment_id = $1", payment)).ShouldBe(0);
    }

    /// <summary>An account that owes 100 and paid 150, whose excess refund of 50 the card provider declined for good.</summary>
    [Fact]
    public async Task Another_systems_refund_of_one_repayment_cuts_back_a_failed_excess_of_another_that_the_credit_no_longer_covers()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var exactPayment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, exactPayment));
        // 50 more: all of it an excess, declined, waiting on support.
        await passbook.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var overPayment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 50m, overPayment));
        var excess = await passbook.WaitForExcess(overPayment, "failed");
        await passbook.Refunds.WaitFor(excess, "failed");
        await passbook.ClearFaults("card");

        // A disputes tool gives back 40 of the first payment: 10 of credit is left, not the 50 the excess would pay.
        var disputed = await passbook.Refunds.Refund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(exactPayment, 40m));
        await passbook.Refunds.WaitFor(disputed, "refunded");

        await passbook.WaitForExcess(overPayment, "cancelled");
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(-10m, "the 10 left stays on the account for support");
        // Cancelled in billing at once (its refund was at rest), then closed in the saga by the cancel sent after that commit.
        await passbook.Refunds.WaitFor(excess, "cancelled");
        using (var retry = await (await passbook.Refunds.As("fia@support")).PostAsJsonAsync($"/refunds/{excess}/retry", new { }))
            ((int)retry.StatusCode).ShouldBeGreaterThanOrEqualTo(400, await retry.Content.ReadAsStringAsync());
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(excess)).ShouldBe(0);
    }

    internal static async Task<(string Account, string Payment, Guid RefundId)> DeclinedExcess(PassbookStack passbook)
    {
        await passbook.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 150m, payment));
        var refundId = await passbook.WaitForExcess(payment, "failed");
        await passbook.Refunds.WaitFor(refundId, "failed");
        return (account, payment, refundId);
    }

    static async Task Resolve(PassbookStack passbook, Guid refundId, bool paidElsewhere)
    {
        using var resolve = await (await passbook.Refunds.As("gus@support")).PostAsJsonAsync($"/refunds/{refundId}/resolve",
            new { note = paidElsewhere ? "Paid by bank transfer, ref BT-1" : "The holder keeps the credit", paidElsewhere });
        resolve.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }
}

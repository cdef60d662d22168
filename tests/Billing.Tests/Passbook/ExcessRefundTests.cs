using System.Net;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

public class ExcessRefundTests
{
    [Fact]
    public async Task Paying_the_due_twice_refunds_the_excess_once_at_the_provider_and_books_the_refund()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var first = PassbookStack.PaymentId();
        var second = PassbookStack.PaymentId();

        (await passbook.Repay(PassbookStack.Body(account, 100m, first))).GetProperty("excessRefund").ValueKind.ShouldBe(JsonValueKind.Null);
        var answer = await passbook.Repay(PassbookStack.Body(account, 100m, second, source: "settlement"));
        // The same report again (the webhook after the settlement file) is no second excess.
        await passbook.Repay(PassbookStack.Body(account, 100m, second, source: "webhook"), 200);

        var excess = answer.GetProperty("excessRefund");
        excess.GetProperty("amount").GetDecimal().ShouldBe(100m);
        var refundId = await passbook.WaitForExcess(second, "refunded");
        refundId.ShouldBe(excess.GetProperty("refundId").GetGuid());
        await passbook.Stack.WaitUntilIdle();

        (await passbook.TimesPaid(refundId)).ShouldBe(1);
        (await passbook.Refunds.Ledger()).Payments.Count.ShouldBe(1);
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'refund' and amount = 100 and external_ref = $1",
            $"refund:{refundId}:{(await passbook.Refunds.Get(refundId)).ProviderRefundId}")).ShouldBe(1);
        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(0m);
        balance.GetProperty("excessRefunds").GetArrayLength().ShouldBe(0);
    }

    // Catches the advisory lock on the account dropped: under read committed each repayment sees only its own entry
    // and the committed ones, so several overpayments in flight together each found no credit and nothing was refunded.
    [Fact]
    public async Task Concurrent_overpayments_of_one_account_all_see_each_other_and_the_excess_is_refunded_in_full()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var payments = Enumerable.Range(0, 6).Select(_ => PassbookStack.PaymentId()).ToList();

        var answers = await Task.WhenAll(payments.Select(p => passbook.Repay(PassbookStack.Body(account, 100m, p))));

        answers.Sum(a => a.GetProperty("excessRefund") is { ValueKind: JsonValueKind.Object } x ? x.GetProperty("amount").GetDecimal() : 0m)
            .ShouldBe(500m);
        (await passbook.Count("select (sum(amount))::bigint from billing.excess_refund where account_id = $1", account)).ShouldBe(500);
        await Eventually.Until("every excess refunded", async () =>
            await passbook.Count("select count(*) from billing.excess_refund where status = 'refunded'") == 5);
        await passbook.Stack.WaitUntilIdle();
        (await passbook.Refunds.Ledger()).Payments.Count.ShouldBe(5);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(0m);
    }

    [Fact]
    public async Task A_refund_the_provider_declines_leaves_the_excess_failed_and_the_credit_on_the_account()
    {
        await using var passbook = await PassbookStack.Start();
        await passbook.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var account = await passbook.Account(owes: 30m);
        var payment = PassbookStack.PaymentId();

        await passbook.Repay(PassbookStack.Body(account, 50m, payment));

        var refundId = await passbook.WaitForExcess(payment, "failed");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(refundId)).ShouldBe(0);
        (await passbook.Scalar("select detail from billing.excess_refund where refund_id = $1", refundId)).ShouldNotBeNullOrEmpty();
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'refund'")).ShouldBe(0);
        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(-20m);
        balance.GetProperty("credit").GetDecimal().ShouldBe(20m);
        balance.GetProperty("excessRefunds").EnumerateArray().Single().GetProperty("status").GetString().ShouldBe("failed");

        // The failed excess keeps its credit reserved: a further overpayment refunds only its own part.
        await passbook.ClearFaults("card");
        var next = PassbookStack.PaymentId();
        var answer = await passbook.Repay(PassbookStack.Body(account, 5m, next));
        answer.GetProperty("excessRefund").GetProperty("amount").GetDecimal().ShouldBe(5m);
    }

    // Catches refunds.payment not written with the repayment: the refund saga cannot refuse what it does not know.
    [Fact]
    public async Task A_refund_of_more_than_a_repayment_is_refused_because_the_refund_service_knows_the_payment()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 50m, payment));

        using var tooMuch = await passbook.Refunds.PostRefund($"test-{Guid.NewGuid():N}", RefundStack.Body(payment, 50.01m));

        tooMuch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await tooMuch.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()
            .ShouldBe(RefundRejections.ExceedsRefundable);
        (await passbook.Count("select count(*) from refunds.refund")).ShouldBe(0);
    }

    // Catches the sweep not running or not claiming an old pending row; counted at the transport, not behind the inbox.
    // (A send the saga has not committed within Passbook:ResendAfter is sent again, harmlessly: the same refund id.)
    [Fact]
    public async Task The_sweep_sends_an_excess_whose_first_send_was_lost_exactly_once()
    {
        await using var passbook = await PassbookStack.Start();
        await using var requests = await MessageProbe<RequestRefund>.Start(passbook.Stack.Ground);
        var account = await passbook.Account(owes: 10m);
        var payment = PassbookStack.PaymentId();
        var refundId = RefundIds.FromIdempotencyKey($"excess:{payment}");
        // What the API left behind when it crashed between its commit and its publish: the repayment, its entry, the
        // refundable payment and a pending excess, ten minutes old, that the refund saga never heard of.
        await passbook.Execute("""
            with entry as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ($1, 'repayment', -25, 'SEK', 'repayment:' || $2, now() - interval '10 minutes', now() - interval '10 minutes')
                returning entry_id)
            insert into billing.repayment (gateway_payment_id, account_id, amount, currency, method, paid_at, fingerprint, entry_id, source)
            select $2, $1, 25, 'SEK', 'card', now() - interval '10 minutes', 'test', entry_id, 'webhook' from entry
            """, account, payment);
        await passbook.Execute("insert into refunds.payment (payment_id, amount, currency, method) values ($1, 25, 'SEK', 'card')", payment);
        await passbook.Execute("""
            insert into billing.excess_refund (refund_id, gateway_payment_id, account_id, amount, currency, method, status, created_at)
            values ($1, $2, $3, 15, 'SEK', 'card', 'pending', now() - interval '10 minutes')
            """, refundId, payment, account);

        await passbook.WaitForExcess(payment, "refunded");
        await passbook.Stack.WaitUntilIdle();

        requests.Received.Count(r => r.RefundId == refundId).ShouldBe(1);
        (await passbook.TimesPaid(refundId)).ShouldBe(1);
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref = $1", $"refund:{refundId}:{(await passbook.Refunds.Get(refundId)).ProviderRefundId}")).ShouldBe(1);
    }
}

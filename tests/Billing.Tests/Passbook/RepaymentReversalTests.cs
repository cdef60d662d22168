using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Providers.StandIn.Control;
using Billing.Tests.Refunds;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

/// <summary>
/// Chargebacks and reversals of repayments (issue 19, item 5), with the refund saga and the passbook both running. Each
/// account owes 100 and pays 150, so 50 is the excess billing refunds.
/// </summary>
public class RepaymentReversalTests
{
    [Fact]
    public async Task A_chargeback_before_the_excess_is_paid_cancels_the_excess_and_the_holder_owes_what_was_taken_back()
    {
        await using var passbook = await PassbookStack.Start();
        var (account, payment, excess) = await RefundOutcomeTests.DeclinedExcess(passbook);
        await passbook.ClearFaults("card");

        // 20 taken back leaves 30 of credit: the 50 excess is no longer covered, and the refund saga cancels it.
        var first = await Reverse(passbook, payment, Reversal("dp_1", 20m));
        first.GetProperty("reversedInAll").GetDecimal().ShouldBe(20m);
        await passbook.WaitForExcess(payment, "cancelled");
        await passbook.Refunds.WaitFor(excess, "cancelled");
        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(-30m);
        balance.GetProperty("credit").GetDecimal().ShouldBe(30m, "what the reversal left is the holder's, on the account");

        // The rest of the repayment taken back: the holder owes the 100 again.
        await Reverse(passbook, payment, Reversal("dp_2", 130m));
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(100m);
        (await passbook.Count("select count(*) from billing.passbook_entry where account_id = $1 and kind = 'repayment' and amount > 0", account))
            .ShouldBe(2);

        // The payment is gone: nothing more of it may be refunded, by billing or by anyone else.
        using (var refused = await passbook.Refunds.PostRefund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(payment, 1m)))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await refused.Content.ReadAsStringAsync());
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe(RefundRejections.ExceedsRefundable);
        }

        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(excess)).ShouldBe(0);
    }

    [Fact]
    public async Task A_payment_taken_back_whole_loses_its_unpaid_excess_even_where_the_credit_still_covers_it()
    {
        await using var passbook = await PassbookStack.Start();
        await passbook.SetFaults("card", new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
        var account = await passbook.Account(owes: 100m);
        var (older, newer) = (PassbookStack.PaymentId(), PassbookStack.PaymentId());
        await passbook.Repay(PassbookStack.Body(account, 150m, older));
        var olderExcess = await passbook.WaitForExcess(older, "failed");
        await passbook.Repay(PassbookStack.Body(account, 200m, newer));
        var newerExcess = await passbook.WaitForExcess(newer, "failed");
        await passbook.Refunds.WaitFor(olderExcess, "failed");
        await passbook.Refunds.WaitFor(newerExcess, "failed");
        await passbook.ClearFaults("card");

        // 100 of credit is left, which would cover the older 50 excess, but nothing of its own payment is.
        await Reverse(passbook, older, Reversal("cb_whole", 150m));
        await passbook.WaitForExcess(newer, "cancelled");
        await passbook.WaitForExcess(older, "cancelled");
        await passbook.Refunds.WaitFor(olderExcess, "cancelled");

        // So support's retry cannot pay it.
        using (var retry = await (await passbook.Refunds.As("fia@support")).PostAsJsonAsync($"/refunds/{olderExcess}/retry", new { }))
            retry.IsSuccessStatusCode.ShouldBeFalse(await retry.Content.ReadAsStringAsync());
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(olderExcess)).ShouldBe(0, "a refund of a payment the gateway took back whole");
        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(-100m);
        balance.GetProperty("credit").GetDecimal().ShouldBe(100m, "the credit stays on the account, for support to pay out");
    }

    [Fact]
    public async Task A_chargeback_after_the_excess_was_paid_leaves_the_holder_owing_the_loan_and_the_refund_they_received()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 150m, payment));
        var excess = await passbook.WaitForExcess(payment, "refunded");
        await Eventually.Until("the excess refund booked", async () => (await passbook.Balance(account)).GetProperty("balance").GetDecimal() == 0m);

        await Reverse(passbook, payment, Reversal("cb_1", 150m));

        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(150m);
        (await passbook.Scalar("select status from billing.excess_refund where refund_id = $1", excess)).ShouldBe("refunded");
        (await passbook.TimesPaid(excess)).ShouldBe(1);
    }

    [Fact]
    public async Task A_reversal_reported_again_is_one_entry_and_one_under_a_reused_id_or_beyond_the_repayment_is_refused()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 500m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, payment));
        var reversal = Reversal("cb_twice", 60m);

        var first = await Reverse(passbook, payment, reversal);
        var again = await Reverse(passbook, payment, reversal with { source = "settlement" }, status: 200);
        again.GetProperty("replayed").GetBoolean().ShouldBeTrue();
        again.GetProperty("entryId").GetInt64().ShouldBe(first.GetProperty("entryId").GetInt64());

        using (var reused = await Post(passbook, payment, reversal with { amount = 61m }))
        {
            reused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("reversal_conflict");
        }

        using (var beyond = await Post(passbook, payment, Reversal("cb_more", 40.01m)))
        {
            beyond.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            var problem = await beyond.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("code").GetString().ShouldBe("reversal_exceeds_repayment");
            problem.GetProperty("detail").GetString()!.ShouldContain("40.00");
        }

        (await passbook.Count("select count(*) from billing.repayment_reversal where gateway_payment_id = $1", payment)).ShouldBe(1);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(460m);
    }

    [Fact]
    public async Task A_malformed_reversal_or_one_of_an_unknown_repayment_or_in_another_currency_is_refused_and_writes_nothing()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, payment));
        var before = await passbook.Count("select count(*) from billing.passbook_entry");

        (HttpStatusCode Status, string Field)[] expected =
        [
            (HttpStatusCode.BadRequest, "amount"), (HttpStatusCode.BadRequest, "reason"), (HttpStatusCode.BadRequest, "reversedAt"),
            (HttpStatusCode.BadRequest, "reversalId"), (HttpStatusCode.BadRequest, "amount"),
            // Its entry reference must fit 200 characters and end in the reversal id alone.
            (HttpStatusCode.BadRequest, "reversalId"), (HttpStatusCode.BadRequest, "reversalId"),
        ];
        ReversalJson[] bodies =
        [
            Reversal("x", 0m), Reversal("x", 10m) with { reason = "fraud" }, Reversal("x", 10m) with { reversedAt = DateTimeOffset.UtcNow.AddDays(1) },
            Reversal("", 10m), Reversal("x", 10.001m), Reversal(new string('d', 81), 10m), Reversal("dp:1", 10m),
        ];
        for (var i = 0; i < bodies.Length; i++)
        {
            using var response = await Post(passbook, payment, bodies[i]);
            response.StatusCode.ShouldBe(expected[i].Status, await response.Content.ReadAsStringAsync());
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(expected[i].Field, out _).ShouldBeTrue();
        }

        using (var unknown = await Post(passbook, "gw_nobody_paid", Reversal("x", 10m)))
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var euro = await Post(passbook, payment, Reversal("x", 10m) with { currency = "EUR" }))
        {
            euro.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            (await euro.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("currency_mismatch");
        }

        (await passbook.Count("select count(*) from billing.passbook_entry")).ShouldBe(before);
        (await passbook.Count("select count(*) from billing.repayment_reversal")).ShouldBe(0);
    }

    sealed record ReversalJson(string reversalId, decimal amount, string currency, string reason, DateTimeOffset reversedAt, string source);

    static ReversalJson Reversal(string id, decimal amount) => new(id, amount, "SEK", "chargeback", DateTimeOffset.Parse("2026-02-01T08:00:00Z"), "webhook");

    static Task<HttpResponseMessage> Post(PassbookStack passbook, string payment, ReversalJson body) =>
        passbook.Api.PostAsJsonAsync($"/repayments/{payment}/reversal", body, PassbookStack.Json);

    static async Task<JsonElement> Reverse(PassbookStack passbook, string payment, ReversalJson body, int status = 201)
    {
        using var response = await Post(passbook, payment, body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        return JsonDocument.Parse(text).RootElement;
    }
}

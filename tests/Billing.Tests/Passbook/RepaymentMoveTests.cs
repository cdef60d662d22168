using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Tests.Refunds;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

/// <summary>
/// A repayment reported under the wrong account is moved to the right one (issue 19, item 5), and a refund another system
/// had paid before its repayment was reported is booked when it is (issue 19, item 3), with the refund saga, the sweep and
/// the passbook all running.
/// </summary>
public class RepaymentMoveTests
{
    // The right account's excess waits for the wrong account's to be cancelled, then the sweep sends it.
    static readonly Dictionary<string, string> QuickSweep = new() { ["Passbook__ResendAfter"] = "00:00:02" };

    [Fact]
    public async Task A_repayment_under_the_wrong_account_moves_to_the_right_one_whose_own_excess_is_refunded_and_the_wrong_ones_never()
    {
        await using var passbook = await PassbookStack.Start(QuickSweep);
        var (wrong, payment, wrongExcess) = await RefundOutcomeTests.DeclinedExcess(passbook);
        await passbook.ClearFaults("card");
        var right = await passbook.Account(owes: 30m);

        var moved = await Move(passbook, payment, right);
        moved.GetProperty("fromAccountId").GetString().ShouldBe(wrong);
        moved.GetProperty("excessRefund").GetProperty("amount").GetDecimal().ShouldBe(120m, "150 paid against 30 owed");

        (await passbook.Balance(wrong)).GetProperty("balance").GetDecimal().ShouldBe(100m, "the wrong account owes what it owed before");
        await passbook.Refunds.WaitFor(wrongExcess, "cancelled");
        var rightExcess = moved.GetProperty("excessRefund").GetProperty("refundId").GetGuid();
        await passbook.Refunds.WaitFor(rightExcess, "refunded");
        await Eventually.Until("the right account's excess booked",
            async () => (await passbook.Balance(right)).GetProperty("balance").GetDecimal() == 0m);
        (await passbook.Scalar("select status from billing.excess_refund where refund_id = $1", wrongExcess)).ShouldBe("cancelled");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(wrongExcess)).ShouldBe(0);
        (await passbook.TimesPaid(rightExcess)).ShouldBe(1);

        // The gateway's report sent again (under the wrong account) and the settlement file's (under the right one) are the payment.
        var webhook = await passbook.Repay(PassbookStack.Body(wrong, 150m, payment), status: 200);
        webhook.GetProperty("accountId").GetString().ShouldBe(right);
        (await passbook.Repay(PassbookStack.Body(right, 150m, payment, source: "settlement"), status: 200))
            .GetProperty("replayed").GetBoolean().ShouldBeTrue();
        var again = await Move(passbook, payment, right, status: 200);
        again.GetProperty("inEntryId").GetInt64().ShouldBe(moved.GetProperty("inEntryId").GetInt64());
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref like $1", $"repayment-move:{payment}:%")).ShouldBe(2);
    }

    [Fact]
    public async Task A_reported_repayment_under_another_account_answers_a_conflict_that_names_where_it_is_and_how_to_move_it()
    {
        await using var passbook = await PassbookStack.Start();
        var (wrong, right) = (await passbook.Account(owes: 500m), await passbook.Account(owes: 500m));
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(wrong, 100m, payment));

        var conflict = await passbook.Repay(PassbookStack.Body(right, 100m, payment), status: 409);
        conflict.GetProperty("accountId").GetString().ShouldBe(wrong);
        conflict.GetProperty("detail").GetString()!.ShouldContain("/move");
        await Move(passbook, payment, right);
        (await passbook.Repay(PassbookStack.Body(right, 100m, payment), status: 200)).GetProperty("accountId").GetString().ShouldBe(right);
        (await passbook.Balance(wrong)).GetProperty("balance").GetDecimal().ShouldBe(500m);
        (await passbook.Balance(right)).GetProperty("balance").GetDecimal().ShouldBe(400m);
    }

    [Fact]
    public async Task Ten_identical_moves_at_once_book_one_move_and_moves_both_ways_between_two_accounts_do_not_deadlock()
    {
        await using var passbook = await PassbookStack.Start();
        var (a, b) = (await passbook.Account(owes: 1000m), await passbook.Account(owes: 1000m));
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(a, 100m, payment));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await Post(passbook, payment, new { toAccountId = b });
            return (int)response.StatusCode;
        }));
        statuses.Order().ShouldBe([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
        (await passbook.Count("select count(*) from billing.repayment_move where gateway_payment_id = $1", payment)).ShouldBe(1);

        // Payments of a on their way to b while b's go to a: each takes both accounts' locks, in one order.
        var (toB, toA) = (Enumerable.Range(0, 5).Select(_ => PassbookStack.PaymentId()).ToList(), Enumerable.Range(0, 5).Select(_ => PassbookStack.PaymentId()).ToList());
        foreach (var p in toB) await passbook.Repay(PassbookStack.Body(a, 10m, p));
        foreach (var p in toA) await passbook.Repay(PassbookStack.Body(b, 10m, p));
        var both = await Task.WhenAll(toB.Select(p => (p, b)).Concat(toA.Select(p => (p, a))).Select(async m =>
        {
            using var response = await Post(passbook, m.p, new { toAccountId = m.Item2 });
            return (int)response.StatusCode;
        }));
        both.ShouldAllBe(s => s == 201);
        (await passbook.Balance(a)).GetProperty("balance").GetDecimal().ShouldBe(1000m - 50m);
        (await passbook.Balance(b)).GetProperty("balance").GetDecimal().ShouldBe(1000m - 100m - 50m);
    }

    [Fact]
    public async Task A_move_of_an_unknown_payment_to_an_unknown_or_foreign_or_same_account_or_of_money_given_back_is_refused_and_writes_nothing()
    {
        await using var passbook = await PassbookStack.Start();
        var account = await passbook.Account(owes: 100m);
        var euro = await passbook.Account(owes: 100m, currency: "EUR");
        var other = await passbook.Account(owes: 100m);
        await passbook.Execute("insert into billing.account (account_id, name) values ('acc-no-loan', 'No Loan')");
        var payment = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 100m, payment));
        var reversed = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(account, 10m, reversed));
        using (var reversal = await passbook.Api.PostAsJsonAsync($"/repayments/{reversed}/reversal",
                   new { reversalId = "cb_1", amount = 5m, currency = "SEK", reason = "chargeback", reversedAt = DateTimeOffset.UtcNow }))
            reversal.StatusCode.ShouldBe(HttpStatusCode.Created);
        // An overpayment whose excess was paid: 50 of it is refunded and booked on this account.
        var overpaid = await passbook.Account(owes: 100m);
        var refunded = PassbookStack.PaymentId();
        await passbook.Repay(PassbookStack.Body(overpaid, 150m, refunded));
        await passbook.WaitForExcess(refunded, "refunded");
        await Eventually.Until("the excess booked", async () => (await passbook.Balance(overpaid)).GetProperty("balance").GetDecimal() == 0m);
        var before = await passbook.Written();

        (string Payment, object Body, int Status, string Code)[] cases =
        [
            ("gw_nobody", new { toAccountId = other }, 404, "unknown_repayment"),
            (payment, new { toAccountId = "acc-nobody" }, 404, "unknown_account"),
            (payment, new { toAccountId = "acc-no-loan" }, 422, "no_loan"),
            (payment, new { toAccountId = euro }, 422, "currency_mismatch"),
            (payment, new { toAccountId = account }, 422, "same_account"),
            (reversed, new { toAccountId = other }, 422, "repayment_reversed"),
            (refunded, new { toAccountId = other }, 422, "repayment_refunded"),
        ];
        foreach (var (p, body, status, code) in cases)
        {
            using var response = await Post(passbook, p, body);
            var text = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(status, text);
            JsonDocument.Parse(text).RootElement.GetProperty("code").GetString().ShouldBe(code, text);
        }

        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { }, "toAccountId"), (new { toAccountId = new string('a', 65) }, "toAccountId"),
                     (new { toAccountId = other, reason = "" }, "reason"),
                 })
        {
            using var response = await Post(passbook, payment, body);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(text);
        }

        using (var unreadable = await passbook.Api.PostAsync($"/repayments/{payment}/move",
                   new StringContent("{\"toAccountId\": 5", System.Text.Encoding.UTF8, "application/json")))
            ((int)unreadable.StatusCode).ShouldBe(400);
        (await passbook.Written()).ShouldBe(before);
        (await passbook.Count("select count(*) from billing.repayment_move")).ShouldBe(0);
    }

    [Fact]
    public async Task A_refund_another_system_had_paid_before_the_repayment_was_reported_is_booked_then_and_the_excess_is_reduced_by_it()
    {
        await using var passbook = await PassbookStack.Start();
        var payment = PassbookStack.PaymentId();
        // The disputes tool refunds a payment billing has not heard of: the refund saga does not check unknown payments.
        var disputed = await passbook.Refunds.Refund($"disputes-{Guid.NewGuid():N}", RefundStack.Body(payment, 30m));
        await passbook.Refunds.WaitFor(disputed, "refunded");
        await passbook.Stack.WaitUntilIdle();

        var account = await passbook.Account(owes: 100m);
        var answer = await passbook.Repay(PassbookStack.Body(account, 150m, payment));

        // 150 paid against 100 owed, of which 30 already went back: 20 is left over, not 50.
        answer.GetProperty("excessRefund").GetProperty("amount").GetDecimal().ShouldBe(20m);
        (await passbook.Count("select count(*) from billing.passbook_entry where account_id = $1 and kind = 'refund' and amount = 30 and external_ref like $2",
            account, $"refund:{disputed}%")).ShouldBe(1);
        await passbook.WaitForExcess(payment, "refunded");
        await Eventually.Until("the excess booked", async () => (await passbook.Balance(account)).GetProperty("balance").GetDecimal() == 0m);
    }

    static async Task<JsonElement> Move(PassbookStack passbook, string payment, string to, int status = 201)
    {
        using var response = await Post(passbook, payment, new { toAccountId = to, reason = "the holder paid with their partner's reference" });
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        return JsonDocument.Parse(text).RootElement;
    }

    static Task<HttpResponseMessage> Post(PassbookStack passbook, string payment, object body) =>
        passbook.Api.PostAsJsonAsync($"/repayments/{payment}/move", body, PassbookStack.Json);
}

using System.Diagnostics;
using Billing.Tests.Support;

namespace Billing.Tests.Passbook;

/// <summary>The repayment intake answers on Postgres alone: a broker that hangs costs a repayment nothing (review L7).</summary>
public class HangingBrokerTests
{
    // Catches the answer waiting for the excess refund's publish again (it then took the 5 s send timeout while the
    // broker hung). The bound is generous: the answer is a few milliseconds of Postgres.
    [Fact]
    public async Task An_overpayment_is_answered_while_the_broker_hangs_and_its_excess_is_refunded_once_the_broker_answers()
    {
        await using var proxy = new FreezableTcpProxy(int.Parse(TestGround.RabbitPort));
        await using var passbook = await PassbookStack.Start(new Dictionary<string, string>
        {
            ["RabbitMq__Port"] = proxy.Port.ToString(),
            ["Passbook__ResendAfter"] = "00:00:10",
        });
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        proxy.Freeze();
        var clock = Stopwatch.StartNew();
        var answer = await passbook.Repay(PassbookStack.Body(account, 130m, payment));
        var answeredIn = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        proxy.Thaw();

        answeredIn.ShouldBeLessThan(TimeSpan.FromSeconds(2.5), "the answer waited on the broker");
        answer.GetProperty("excessRefund").GetProperty("amount").GetDecimal().ShouldBe(30m);
        var refundId = await passbook.WaitForExcess(payment, "refunded");
        await passbook.Stack.WaitUntilIdle();
        (await passbook.TimesPaid(refundId)).ShouldBe(1);
    }
}

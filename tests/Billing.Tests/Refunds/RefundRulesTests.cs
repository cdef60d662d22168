using Billing.Contracts.Money;
using Billing.Contracts.Refunds;
using Billing.Features.Refunds;
using Billing.Features.Refunds.Saga;

namespace Billing.Tests.Refunds;

public class RefundRulesTests
{
    [Fact]
    public void Refund_ids_are_the_same_for_the_same_key_and_differ_between_keys()
    {
        RefundIds.FromIdempotencyKey("order-1").ShouldBe(RefundIds.FromIdempotencyKey("order-1"));
        RefundIds.FromIdempotencyKey("order-1").ShouldNotBe(RefundIds.FromIdempotencyKey("order-2"));
        RefundIds.FromIdempotencyKey("order-1").ToString()[14].ShouldBe('5', "a version 5 (name-based) UUID");
    }

    [Fact]
    public void The_slow_lane_waits_double_from_the_first_interval_up_to_the_cap()
    {
        var lane = new SlowLaneOptions { FirstInterval = TimeSpan.FromSeconds(30), MaxInterval = TimeSpan.FromMinutes(10) };

        Enumerable.Range(0, 7).Select(lane.DelayBefore).Select(d => d.TotalSeconds)
            .ShouldBe([30, 60, 120, 240, 480, 600, 600]);
        lane.DelayBefore(500).ShouldBe(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void A_fingerprint_ignores_how_an_amount_is_written_but_not_what_it_is()
    {
        var a = RequestRefund.Create("k", "pi_1", 12.5m, "SEK", "card", "r");
        var b = RequestRefund.Create("k", "pi_1", 12.50m, "SEK", "card", "r");
        var c = RequestRefund.Create("k", "pi_1", 12.51m, "SEK", "card", "r");

        RefundIntake.Fingerprint(a).ShouldBe(RefundIntake.Fingerprint(b));
        RefundIntake.Fingerprint(a).ShouldNotBe(RefundIntake.Fingerprint(c));
    }

    [Theory]
    [InlineData(12.50, "SEK", 1250)]
    [InlineData(1000, "JPY", 1000)]
    [InlineData(0.05, "EUR", 5)]
    public void Amounts_convert_exactly_to_minor_units(decimal amount, string currency, long minor)
    {
        Currencies.ToMinorUnits(amount, currency).ShouldBe(minor);
        Currencies.FromMinorUnits(minor, currency).ShouldBe(amount);
    }

    [Fact]
    public void Every_state_has_a_status_and_only_failed_ones_take_a_manual_retry()
    {
        RefundStatus.All.Count.ShouldBe(10);
        RefundStatus.All.Where(RefundStatus.AllowsManualRetry).ShouldBe(["failed", "needs_support"], ignoreOrder: true);
        RefundStatus.StateOf("needs_support").ShouldBe("NeedsSupport");
        RefundStatus.StateOf("lost").ShouldBeNull();
    }
}

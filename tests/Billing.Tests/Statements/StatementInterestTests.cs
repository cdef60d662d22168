using Billing.Features.Statements;
using static Billing.Tests.Statements.StatementInputs;

namespace Billing.Tests.Statements;

public class StatementInterestTests
{
    [Fact]
    public void Interest_is_charged_on_the_average_daily_balance_and_rounded_once()
    {
        // 1,000.00 on days 1–10, a 500.00 purchase on day 11, a 300.00 repayment on day 21; no previous statement.
        var figures = StatementCalculator.Calculate(March(1000.00m, entries: [Purchase(500.00m, March(11)), Repayment(300.00m, March(21))]));

        figures.Days.ShouldBe(30);
        // 10 × 1,000 + 10 × 1,500 + 10 × 1,200 = 10,000 + 15,000 + 12,000
        figures.DailyBalanceSum.ShouldBe(37_000.00m);
        // 37,000 × 0.24 / 365 = 8,880 / 365 = 24.3287… → 24.33 (rounding each day first: 6.60 + 9.90 + 7.90 = 24.40)
        figures.Interest.ShouldBe(24.33m);
        figures.GraceApplied.ShouldBeFalse();
        figures.Purchases.ShouldBe(500.00m);
        figures.Repayments.ShouldBe(300.00m);
        // 1,000 + 500 − 300 + 24.33
        figures.ClosingBalance.ShouldBe(1224.33m);
        // 1 % × 1,224.33 = 12.2433 → 12.24; 12.24 + 24.33 interest = 36.57 > 35.00 floor
        figures.MinimumDue.ShouldBe(36.57m);
        // 31 March + 25 days
        figures.DueDate.ShouldBe(new DateOnly(2026, 4, 25));
    }

    [Fact]
    public void Actual_360_divides_the_year_into_360_days()
    {
        var terms = Sek with { Apr = 0.18m, DayCount = DayCount.Actual360 };

        var figures = StatementCalculator.Calculate(March(1000.00m, terms));

        // 30 × 1,000 = 30,000; 30,000 × 0.18 / 360 = 5,400 / 360 = 15.00 (Actual/365 would give 14.79)
        figures.Interest.ShouldBe(15.00m);
    }

    [Fact]
    public void Thirty_360_charges_the_average_balance_for_30_days_in_a_31_day_month()
    {
        // 15 March .. 14 April: 31 actual days, 30 days under 30/360.
        var terms = Sek with { DayCount = DayCount.Thirty360 };
        var input = new StatementInput(new DateOnly(2026, 3, 15), new DateOnly(2026, 4, 15), 1000.00m,
            [Purchase(620.00m, March(31))], terms, Previous: null);

        var figures = StatementCalculator.Calculate(input);

        figures.Days.ShouldBe(31);
        // 31 × 1,000 + 15 × 620 (31 March .. 14 April) = 31,000 + 9,300
        figures.DailyBalanceSum.ShouldBe(40_300.00m);
        // average 40,300 / 31 = 1,300; 1,300 × 0.24 × 30 / 360 = 1,300 × 0.02 = 26.00 (Actual/365: 26.50)
        figures.Interest.ShouldBe(26.00m);
    }

    [Fact]
    public void Thirty_360_counts_the_last_of_February_to_the_31st_of_March_as_30_days()
    {
        var terms = Sek with { DayCount = DayCount.Thirty360 };
        var input = new StatementInput(new DateOnly(2026, 2, 28), new DateOnly(2026, 3, 31), 1000.00m, [], terms, Previous: null);

        var figures = StatementCalculator.Calculate(input);

        // 31 actual days, average 1,000; US rules: D1 = end of February → 30, D2 = 31 with D1 = 30 → 30: 30 days.
        // 1,000 × 0.24 × 30 / 360 = 20.00 (the plain Bond Basis would count 33 days: 22.00)
        figures.Interest.ShouldBe(20.00m);
    }

    [Theory]
    [InlineData("2026-03-15", "2026-04-15", 30)]  // 30 × 1 + (15 − 15)
    [InlineData("2026-02-15", "2026-03-15", 30)]  // 28 actual days
    [InlineData("2026-01-31", "2026-02-28", 28)]  // D1 31 → 30; D2 28 stays (D1 is not end of February): 30 + (28 − 30)
    [InlineData("2026-02-28", "2026-03-31", 30)]  // D1 end of Feb → 30; D2 31 → 30: 30 + 0
    [InlineData("2028-02-29", "2028-03-29", 29)]  // D1 end of (leap) Feb → 30: 30 + (29 − 30)
    [InlineData("2026-02-28", "2027-02-28", 360)] // both end of Feb: D2 → 30, D1 → 30: 360
    [InlineData("2026-03-31", "2026-04-30", 30)]  // D1 31 → 30: 30 + (30 − 30)
    public void Us_30_360_days_follow_the_end_of_month_rules(string start, string end, int days) =>
        UsThirty360.DaysBetween(DateOnly.Parse(start), DateOnly.Parse(end)).ShouldBe(days);

    [Fact]
    public void A_period_over_29_February_in_a_leap_year_has_29_days()
    {
        var input = new StatementInput(new DateOnly(2028, 2, 15), new DateOnly(2028, 3, 15), 1000.00m,
            [Purchase(100.00m, new DateOnly(2028, 2, 29))], Sek, Previous: null);

        var figures = StatementCalculator.Calculate(input);

        figures.Days.ShouldBe(29);
        // 29 × 1,000 + 15 × 100 (29 February .. 14 March) = 29,000 + 1,500
        figures.DailyBalanceSum.ShouldBe(30_500.00m);
        // 30,500 × 0.24 / 365 = 7,320 / 365 = 20.0547… → 20.05
        figures.Interest.ShouldBe(20.05m);
    }

    [Fact]
    public void Yen_interest_rounds_to_whole_yen_and_half_a_yen_goes_up()
    {
        // 36.5 % a year is 0.1 % a day under Actual/365.
        var yen = new LoanTerms("JPY", Apr: 0.365m, DayCount.Actual365, MinimumPercent: 0.01m, MinimumFloor: 3000m,
            LateFee: 2000m, DueDays: 25, PaymentCutoff: new TimeOnly(17, 0));

        var figures = StatementCalculator.Calculate(March(2000m, yen, entries: [Purchase(500m, March(26))]));

        // 30 × 2,000 + 5 × 500 (26 .. 30 March) = 60,000 + 2,500
        figures.DailyBalanceSum.ShouldBe(62_500m);
        // 62,500 × 0.001 = 62.5 → 63 (away from zero; banker's rounding gives 62, two decimals 62.50)
        figures.Interest.ShouldBe(63m);
        // 2,000 + 500 + 63
        figures.ClosingBalance.ShouldBe(2563m);
        // max(3,000 floor, 26 + 63) = 3,000, capped at the balance
        figures.MinimumDue.ShouldBe(2563m);
    }

    [Fact]
    public void A_day_in_credit_earns_no_negative_interest_and_a_credit_balance_owes_no_minimum()
    {
        // The previous 1,000.00 was not paid by 26 March, so no grace; 1,500.00 paid on 27 March puts the account in credit.
        var figures = StatementCalculator.Calculate(March(1000.00m, previous: PreviousDue26March(1000.00m, 35.00m),
            entries: [Repayment(1500.00m, March(27))]));

        // 26 × 1,000 (1 .. 26 March) + 4 × 0 (27 .. 30 March at −500, counted as zero); counting the credit would give 24,000
        figures.DailyBalanceSum.ShouldBe(26_000.00m);
        // 26,000 × 0.24 / 365 = 6,240 / 365 = 17.0958… → 17.10
        figures.Interest.ShouldBe(17.10m);
        // 1,000 − 1,500 + 17.10 interest + 25.00 late fee
        figures.ClosingBalance.ShouldBe(-457.90m);
        figures.MinimumDue.ShouldBe(0m);
        figures.PastDue.ShouldBe(0m);
    }

    [Fact]
    public void The_lines_of_a_statement_add_up_to_its_closing_balance()
    {
        var day = March(1);
        var figures = StatementCalculator.Calculate(March(1000.00m, entries:
        [
            Entry(EntryKind.Purchase, 200.00m, day), Entry(EntryKind.Repayment, -100.00m, day), Entry(EntryKind.Refund, 50.00m, day),
            Entry(EntryKind.Fee, 10.00m, day), Entry(EntryKind.Interest, 5.00m, day), Entry(EntryKind.Adjustment, -20.00m, day),
        ]));

        // 30 × (1,000 + 200 − 100 + 50 + 10 + 5 − 20) = 30 × 1,145 = 34,350; × 0.24 / 365 = 8,244 / 365 = 22.586… → 22.59
        figures.Repayments.ShouldBe(100.00m);
        figures.Refunds.ShouldBe(50.00m);
        figures.Fees.ShouldBe(10.00m);
        // 5.00 booked + 22.59 charged now
        figures.Interest.ShouldBe(27.59m);
        figures.Adjustments.ShouldBe(-20.00m);
        // 1,000 + 200 − 100 + 50 + 10 + 27.59 − 20
        figures.ClosingBalance.ShouldBe(1167.59m);
    }
}

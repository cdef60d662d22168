using Billing.Features.Statements;
using static Billing.Tests.Statements.StatementInputs;

namespace Billing.Tests.Statements;

public class StatementDueTests
{
    [Fact]
    public void No_interest_when_the_previous_balance_was_paid_in_full_by_its_due_date()
    {
        // Previous 1,000.00 due 26 March; paid in full on 20 March; a 500.00 purchase on 11 March.
        var figures = StatementCalculator.Calculate(March(1000.00m, previous: PreviousDue26March(1000.00m, 35.00m),
            entries: [Purchase(500.00m, March(11)), Repayment(1000.00m, March(20))]));

        figures.GraceApplied.ShouldBeTrue();
        figures.Interest.ShouldBe(0m);
        // 1,000 + 500 − 1,000, no interest
        figures.ClosingBalance.ShouldBe(500.00m);
        // max(35.00 floor, 5.00) = 35.00
        figures.MinimumDue.ShouldBe(35.00m);
    }

    [Fact]
    public void Interest_is_charged_when_a_cent_of_the_previous_balance_was_left_unpaid()
    {
        var figures = StatementCalculator.Calculate(March(1000.00m, previous: PreviousDue26March(1000.00m, 35.00m),
            entries: [Purchase(500.00m, March(11)), Repayment(999.99m, March(20))]));

        figures.GraceApplied.ShouldBeFalse();
        // 10 × 1,000 + 9 × 1,500 (11 .. 19 March) + 11 × 500.01 (20 .. 30 March) = 10,000 + 13,500 + 5,500.11
        figures.DailyBalanceSum.ShouldBe(29_000.11m);
        // 29,000.11 × 0.24 / 365 = 6,960.0264 / 365 = 19.0685… → 19.07
        figures.Interest.ShouldBe(19.07m);
    }

    [Fact]
    public void No_interest_after_a_statement_that_owed_nothing()
    {
        var figures = StatementCalculator.Calculate(March(-50.00m, previous: PreviousDue26March(-50.00m, 0m),
            entries: [Purchase(500.00m, March(11))]));

        figures.GraceApplied.ShouldBeTrue();
        figures.Interest.ShouldBe(0m);
        figures.LateFee.ShouldBe(0m);
        figures.ClosingBalance.ShouldBe(450.00m);
    }

    [Fact]
    public void A_first_statement_charges_no_interest_only_when_it_opened_owing_nothing()
    {
        var fromZero = StatementCalculator.Calculate(March(0m, entries: [Purchase(500.00m, March(11))]));
        var fromDebt = StatementCalculator.Calculate(March(1000.00m));

        fromZero.GraceApplied.ShouldBeTrue();
        fromZero.Interest.ShouldBe(0m);
        fromDebt.GraceApplied.ShouldBeFalse();
        // 30 × 1,000 × 0.24 / 365 = 7,200 / 365 = 19.726… → 19.73
        fromDebt.Interest.ShouldBe(19.73m);
    }

    [Fact]
    public void A_missed_minimum_costs_the_late_fee_and_stays_past_due_in_the_next_minimum()
    {
        // Previous 2,000.00, minimum 44.33 due 26 March; nothing paid.
        var figures = StatementCalculator.Calculate(March(2000.00m, previous: PreviousDue26March(2000.00m, 44.33m)));

        // min(25.00 late fee, 44.33 minimum)
        figures.LateFee.ShouldBe(25.00m);
        figures.Fees.ShouldBe(25.00m);
        figures.PastDue.ShouldBe(44.33m);
        // 30 × 2,000 = 60,000; × 0.24 / 365 = 14,400 / 365 = 39.452… → 39.45
        figures.Interest.ShouldBe(39.45m);
        // 2,000 + 39.45 + 25.00
        figures.ClosingBalance.ShouldBe(2064.45m);
        // 1 % × 2,064.45 = 20.6445 → 20.64; 20.64 + 39.45 + 25.00 = 85.09; + 44.33 past due
        figures.MinimumDue.ShouldBe(129.42m);
    }

    [Fact]
    public void The_late_fee_is_never_more_than_the_minimum_that_was_missed()
    {
        var figures = StatementCalculator.Calculate(March(20.00m, Sek with { LateFee = 40.00m }, PreviousDue26March(20.00m, 20.00m)));

        // min(40.00 late fee, 20.00 minimum)
        figures.LateFee.ShouldBe(20.00m);
    }

    [Fact]
    public void Paying_the_minimum_on_the_due_date_before_the_cutoff_time_is_in_time()
    {
        var figures = StatementCalculator.Calculate(March(2000.00m, previous: PreviousDue26March(2000.00m, 44.33m),
            entries: [Repayment(44.33m, March(26), at: new TimeOnly(16, 59, 59))]));

        figures.LateFee.ShouldBe(0m);
        figures.PastDue.ShouldBe(0m);
    }

    [Fact]
    public void Paying_the_minimum_on_the_due_date_at_the_cutoff_time_is_late_but_not_past_due()
    {
        // The cut-off is 17:00: a payment at 17:00:00 is the first that is late.
        var figures = StatementCalculator.Calculate(March(2000.00m, previous: PreviousDue26March(2000.00m, 44.33m),
            entries: [Repayment(44.33m, March(26), at: new TimeOnly(17, 0))]));

        figures.LateFee.ShouldBe(25.00m);
        // paid, if late: nothing of the minimum is still owed
        figures.PastDue.ShouldBe(0m);
    }

    [Fact]
    public void Paying_in_full_after_the_cutoff_time_on_the_due_date_loses_the_grace()
    {
        var figures = StatementCalculator.Calculate(March(1000.00m, previous: PreviousDue26March(1000.00m, 35.00m),
            entries: [Repayment(1000.00m, March(26), at: new TimeOnly(17, 30))]));

        figures.GraceApplied.ShouldBeFalse();
        // 25 × 1,000 (1 .. 25 March; 26 March's balance is 0) = 25,000; × 0.24 / 365 = 6,000 / 365 = 16.438… → 16.44
        figures.Interest.ShouldBe(16.44m);
    }

    [Fact]
    public void Nothing_is_late_before_the_due_date_has_passed()
    {
        // Due on the statement date itself: its payments belong to the next period.
        var previous = new PreviousStatement(March1, 2000.00m, 44.33m, March31);

        var figures = StatementCalculator.Calculate(March(2000.00m, previous: previous));

        figures.LateFee.ShouldBe(0m);
        figures.PastDue.ShouldBe(0m);
    }

    [Theory]
    [InlineData(2000.00, 24.33, 0, 44.33)] // 1 % × 2,000 = 20.00; + 24.33 = 44.33 > 35.00
    [InlineData(500.00, 8.00, 0, 35.00)]   // 5.00 + 8.00 = 13.00 < 35.00 floor
    [InlineData(20.00, 0, 0, 20.00)]       // the 35.00 floor is more than is owed: the balance
    [InlineData(2000.00, 24.33, 35.00, 79.33)] // 44.33 + 35.00 past due
    [InlineData(50.00, 0, 40.00, 50.00)]   // 35.00 floor + 40.00 past due = 75.00, capped at the 50.00 balance
    [InlineData(4322.50, 0, 0, 43.23)]     // 1 % × 4,322.50 = 43.225 → 43.23 (half a cent up; banker's rounding: 43.22)
    [InlineData(0, 0, 0, 0)]
    [InlineData(-120.00, 0, 0, 0)]
    public void The_minimum_due_is_a_percentage_plus_interest_over_a_floor_plus_past_due_never_above_the_balance(
        decimal newBalance, decimal interest, decimal pastDue, decimal minimum) =>
        MinimumPayment.Of(newBalance, interest, fees: 0m, pastDue, Sek).ShouldBe(minimum);

    [Fact]
    public void The_minimum_due_includes_this_statements_fees()
    {
        // 1 % × 2,000 = 20.00; + 24.33 interest + 25.00 fees = 69.33
        MinimumPayment.Of(2000.00m, 24.33m, fees: 25.00m, pastDue: 0m, Sek).ShouldBe(69.33m);
    }
}

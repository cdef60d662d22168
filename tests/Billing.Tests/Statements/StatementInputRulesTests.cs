using Billing.Features.Statements;
using static Billing.Tests.Statements.StatementInputs;

namespace Billing.Tests.Statements;

public class StatementInputRulesTests
{
    [Fact]
    public void Terms_with_fewer_than_21_days_to_pay_are_refused()
    {
        StatementCalculator.Calculate(March(100.00m, Sek with { DueDays = 21 })).DueDate.ShouldBe(new DateOnly(2026, 4, 21));

        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(100.00m, Sek with { DueDays = 20 })))
            .Message.ShouldContain("at least 21 days");
    }

    [Fact]
    public void Terms_whose_due_date_reaches_the_next_statement_are_refused()
    {
        StatementCalculator.Calculate(March(100.00m, Sek with { DueDays = 27 })).DueDate.ShouldBe(new DateOnly(2026, 4, 27));

        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(100.00m, Sek with { DueDays = 28 })))
            .Message.ShouldContain("before the next statement date");
    }

    [Fact]
    public void An_unknown_currency_is_refused() =>
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(100.00m, Sek with { Currency = "XXX" })))
            .Message.ShouldContain("Unknown currency 'XXX'");

    [Fact]
    public void A_statement_date_not_after_the_period_start_is_refused() =>
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(new StatementInput(March1, March1, 0m, [], Sek, null)))
            .Message.ShouldContain("must be after the period's start");

    [Theory]
    [InlineData("2026-02-28")] // the day before the period
    [InlineData("2026-03-31")] // the statement date: the next period's first day
    public void An_entry_booked_outside_the_period_is_refused(string bookedOn) =>
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(0m, entries: [Purchase(10.00m, DateOnly.Parse(bookedOn))])))
            .Message.ShouldContain("outside the period 2026-03-01 .. 2026-03-30");

    [Fact]
    public void Amounts_finer_than_the_currency_are_refused()
    {
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(0m, entries: [Purchase(10.005m, March(2))])))
            .Message.ShouldContain("more decimals than SEK allows");
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(March(100.5m, Sek with { Currency = "JPY" })))
            .Message.ShouldContain("more decimals than JPY allows (0)");
    }

    [Fact]
    public void A_previous_statement_from_another_period_is_refused() =>
        Should.Throw<ArgumentException>(() => StatementCalculator.Calculate(
                March(100.00m, previous: new PreviousStatement(new DateOnly(2026, 2, 1), 100.00m, 35.00m, new DateOnly(2026, 2, 26)))))
            .Message.ShouldContain("previous statement is dated 2026-02-01");
}

using Billing.Features.Statements;

namespace Billing.Tests.Statements;

public class StatementCalendarTests
{
    static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");
    static readonly TimeZoneInfo Santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
    static readonly TimeZoneInfo Havana = TimeZoneInfo.FindSystemTimeZoneById("America/Havana");

    static DateTimeOffset Utc(string instant) => DateTimeOffset.Parse(instant + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(2026, 4, 31, "2026-04-30")] // 30-day month
    [InlineData(2026, 2, 31, "2026-02-28")]
    [InlineData(2026, 2, 29, "2026-02-28")]
    [InlineData(2028, 2, 31, "2028-02-29")] // leap year
    [InlineData(2028, 2, 29, "2028-02-29")]
    [InlineData(2026, 3, 31, "2026-03-31")]
    [InlineData(2026, 4, 15, "2026-04-15")]
    public void A_statement_day_past_the_end_of_a_short_month_falls_on_its_last_day(int year, int month, int statementDay, string expected) =>
        StatementCalendar.StatementDateIn(year, month, statementDay).ShouldBe(DateOnly.Parse(expected));

    [Fact]
    public void The_last_day_of_a_short_month_is_a_statement_date_for_every_later_statement_day()
    {
        StatementCalendar.IsStatementDate(new DateOnly(2026, 4, 30), 31).ShouldBeTrue();
        StatementCalendar.IsStatementDate(new DateOnly(2026, 4, 30), 30).ShouldBeTrue();
        StatementCalendar.IsStatementDate(new DateOnly(2026, 3, 30), 31).ShouldBeFalse();
        StatementCalendar.IsStatementDate(new DateOnly(2026, 2, 28), 29).ShouldBeTrue();
        StatementCalendar.IsStatementDate(new DateOnly(2028, 2, 28), 29).ShouldBeFalse();
    }

    [Theory]
    [InlineData("2026-03-31", 31, "2026-02-28")]
    [InlineData("2026-05-31", 31, "2026-04-30")]
    [InlineData("2026-04-30", 31, "2026-03-31")]
    [InlineData("2028-03-30", 30, "2028-02-29")]
    [InlineData("2026-01-15", 15, "2025-12-15")]
    public void The_previous_statement_date_is_the_month_before_by_the_same_rule(string statementDate, int statementDay, string expected) =>
        StatementCalendar.PreviousStatementDate(DateOnly.Parse(statementDate), statementDay).ShouldBe(DateOnly.Parse(expected));

    [Fact]
    public void A_date_that_is_not_a_statement_date_has_no_previous_one() =>
        Should.Throw<ArgumentException>(() => StatementCalendar.PreviousStatementDate(new DateOnly(2026, 3, 30), 31));

    [Fact]
    public void The_cutoff_is_local_midnight_of_the_statement_date_as_utc()
    {
        StatementCalendar.Cutoff(new DateOnly(2026, 3, 15), Stockholm).ShouldBe(Utc("2026-03-14T23:00:00")); // CET, +01
        StatementCalendar.Cutoff(new DateOnly(2026, 7, 15), Stockholm).ShouldBe(Utc("2026-07-14T22:00:00")); // CEST, +02
        StatementCalendar.Cutoff(new DateOnly(2026, 7, 15), Stockholm).Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Where_a_dst_jump_skips_midnight_the_cutoff_is_the_first_instant_after_the_gap()
    {
        // Chile springs forward at 24:00 on Saturday 5 September 2026: 00:00 (−04) becomes 01:00 (−03).
        var midnight = new DateTime(2026, 9, 6, 0, 0, 0);
        Santiago.IsInvalidTime(midnight).ShouldBeTrue("the scenario: local midnight does not exist");

        var cutoff = StatementCalendar.Cutoff(new DateOnly(2026, 9, 6), Santiago);

        // 00:00 at −04 = 04:00Z = 01:00 at −03
        cutoff.ShouldBe(Utc("2026-09-06T04:00:00"));
        StatementCalendar.ToLocal(cutoff, Santiago).ShouldBe(new DateTime(2026, 9, 6, 1, 0, 0));
        StatementCalendar.ToLocal(cutoff.AddTicks(-1), Santiago).ShouldBe(new DateTime(2026, 9, 5, 23, 59, 59).AddTicks(9_999_999));
        // Cuba springs forward at 00:00 on 8 March 2026: 00:00 (−05) becomes 01:00 (−04).
        StatementCalendar.Cutoff(new DateOnly(2026, 3, 8), Havana).ShouldBe(Utc("2026-03-08T05:00:00"));
    }

    [Fact]
    public void Where_a_whole_day_is_skipped_its_cutoff_and_the_next_days_are_the_same_instant()
    {
        // Samoa crossed the date line after 29 December 2011 23:59:59 (−10): the next instant was 31 December 00:00 (+14).
        // Breaks the shortcut of reading the skipped midnight at the zone's base offset (+13 today): 29 December 11:00Z.
        var apia = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Apia");
        apia.IsInvalidTime(new DateTime(2011, 12, 30, 0, 0, 0)).ShouldBeTrue("the scenario: 30 December 2011 does not exist");

        // 30 December 00:00 at −10 = 10:00Z = 31 December 00:00 at +14
        StatementCalendar.Cutoff(new DateOnly(2011, 12, 30), apia).ShouldBe(Utc("2011-12-30T10:00:00"));
        StatementCalendar.Cutoff(new DateOnly(2011, 12, 31), apia).ShouldBe(Utc("2011-12-30T10:00:00"));
    }

    [Fact]
    public void Where_a_dst_fall_back_repeats_midnight_the_cutoff_is_the_earlier_one()
    {
        // Cuba falls back at 01:00 on 1 November 2026: 00:00 .. 01:00 happens at −04, then again at −05.
        var midnight = new DateTime(2026, 11, 1, 0, 0, 0);
        Havana.IsAmbiguousTime(midnight).ShouldBeTrue("the scenario: local midnight happens twice");

        // 00:00 at −04 (the later one, at −05, would be 05:00Z)
        StatementCalendar.Cutoff(new DateOnly(2026, 11, 1), Havana).ShouldBe(Utc("2026-11-01T04:00:00"));
    }

    [Fact]
    public void An_entry_booked_exactly_at_the_cutoff_belongs_to_the_next_statement()
    {
        var april = StatementPeriod.For(new DateOnly(2026, 4, 15), 15, Stockholm);
        var may = StatementPeriod.For(new DateOnly(2026, 5, 15), 15, Stockholm);
        // Local midnight of 15 April, CEST (+02)
        var cutoff = Utc("2026-04-14T22:00:00");

        april.ShouldBe(new StatementPeriod(Utc("2026-03-14T23:00:00"), cutoff));
        april.Contains(cutoff).ShouldBeFalse();
        may.Contains(cutoff).ShouldBeTrue();
        april.Contains(cutoff.AddTicks(-1)).ShouldBeTrue();
        may.Contains(cutoff.AddTicks(-1)).ShouldBeFalse();
        april.Contains(april.PeriodStart).ShouldBeTrue();
        StatementCalendar.LocalDate(cutoff, Stockholm).ShouldBe(new DateOnly(2026, 4, 15));
        StatementCalendar.LocalDate(cutoff.AddTicks(-1), Stockholm).ShouldBe(new DateOnly(2026, 4, 14));
    }

    [Fact]
    public void A_period_over_29_February_spans_29_days()
    {
        var period = StatementPeriod.For(new DateOnly(2028, 3, 15), 15, TimeZoneInfo.Utc);

        period.ShouldBe(new StatementPeriod(Utc("2028-02-15T00:00:00"), Utc("2028-03-15T00:00:00")));
        (period.Cutoff - period.PeriodStart).ShouldBe(TimeSpan.FromDays(29));
        period.Contains(Utc("2028-02-29T12:00:00")).ShouldBeTrue();
    }

    [Fact]
    public void A_statement_day_of_31_runs_its_april_period_from_the_31st_of_march_to_the_30th_of_april()
    {
        var period = StatementPeriod.For(new DateOnly(2026, 4, 30), 31, Stockholm);

        // Local midnights of 31 March (CEST since 29 March, +02) and 30 April (+02)
        period.ShouldBe(new StatementPeriod(Utc("2026-03-30T22:00:00"), Utc("2026-04-29T22:00:00")));
    }
}

namespace Billing.Features.Statements;

/// <summary>
/// When statements fall and where their periods cut off. An account has a statement day of the month (1–31); in a month
/// too short for it the statement falls on the month's last day. A period runs from the previous statement date's local
/// midnight up to, not including, this statement date's local midnight, in the account's time zone.
/// </summary>
public static class StatementCalendar
{
    /// <summary>The statement date in a month: the statement day, or the month's last day when the month is shorter.</summary>
    public static DateOnly StatementDateIn(int year, int month, int statementDay)
    {
        RequireStatementDay(statementDay);
        return new DateOnly(year, month, Math.Min(statementDay, DateTime.DaysInMonth(year, month)));
    }

    /// <summary>True when <paramref name="date"/> is the statement date of its month.</summary>
    public static bool IsStatementDate(DateOnly date, int statementDay) =>
        StatementDateIn(date.Year, date.Month, statementDay) == date;

    /// <summary>The statement date of the month before, by the same rule (a short month's last day).</summary>
    /// <exception cref="ArgumentException"><paramref name="statementDate"/> is not a statement date for that day.</exception>
    public static DateOnly PreviousStatementDate(DateOnly statementDate, int statementDay)
    {
        if (!IsStatementDate(statementDate, statementDay))
            throw new ArgumentException($"{statementDate:yyyy-MM-dd} is not a statement date for statement day {statementDay}.", nameof(statementDate));
        var monthBefore = statementDate.AddMonths(-1);
        return StatementDateIn(monthBefore.Year, monthBefore.Month, statementDay);
    }

    /// <summary>
    /// The instant (UTC) a statement's period closes: local midnight at the start of the statement date. Where a DST jump
    /// skips that midnight, the first instant after the gap; where a fall-back repeats it, the earlier of the two.
    /// </summary>
    public static DateTimeOffset Cutoff(DateOnly statementDate, TimeZoneInfo zone) =>
        StartOfLocal(statementDate.ToDateTime(TimeOnly.MinValue), zone);

    /// <summary>The account's local date at an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(ToLocal(instant, zone));

    /// <summary>The account's local wall-clock time at an instant (<see cref="DateTimeKind.Unspecified"/>), as <see cref="LedgerEntry.OccurredAt"/> wants it.</summary>
    public static DateTime ToLocal(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone).DateTime;

    static DateTimeOffset StartOfLocal(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsAmbiguousTime(local))
            // The larger offset is the one in force before the clocks fell back: the earlier instant.
            return new DateTimeOffset(local, zone.GetAmbiguousTimeOffsets(local).Max()).ToUniversalTime();
        if (zone.IsInvalidTime(local))
            return EndOfGap(local, zone);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>
    /// The instant the clocks jumped over <paramref name="skipped"/>. TimeZoneInfo does not expose the transition, so it is
    /// found by bisection between the two instants the skipped wall time would mean under the offsets on either side.
    /// Assumes a single transition within a day of it (true of every zone in tzdata).
    /// </summary>
    static DateTimeOffset EndOfGap(DateTime skipped, TimeZoneInfo zone)
    {
        var before = zone.GetUtcOffset(skipped.AddDays(-1));
        var after = zone.GetUtcOffset(skipped.AddDays(1));
        // The jump is after (skipped − after) and at or before (skipped − before), both read as UTC.
        long low = (skipped - after).Ticks, high = (skipped - before).Ticks;
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (zone.GetUtcOffset(new DateTimeOffset(middle, TimeSpan.Zero)) == before)
                low = middle;
            else
                high = middle;
        }
        return new DateTimeOffset(high, TimeSpan.Zero);
    }

    static void RequireStatementDay(int statementDay)
    {
        if (statementDay is < 1 or > 31)
            throw new ArgumentOutOfRangeException(nameof(statementDay), statementDay, "A statement day is a day of the month, 1 to 31.");
    }
}

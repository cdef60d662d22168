namespace Billing.Features.Statements;

/// <summary>Interest on the average daily balance of a period.</summary>
static class AverageDailyBalance
{
    /// <summary>
    /// The sum over the period's days (PeriodStart .. StatementDate − 1) of each day's closing balance: the opening balance
    /// plus every entry booked on or before that day. A day in credit counts as zero: we pay no interest on a credit.
    /// </summary>
    public static decimal DailyBalanceSum(DateOnly periodStart, DateOnly statementDate, decimal openingBalance, IEnumerable<LedgerEntry> entries)
    {
        var bookedPerDay = entries.GroupBy(e => e.BookedOn).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));

        var balance = openingBalance;
        var sum = 0m;
        for (var day = periodStart; day < statementDate; day = day.AddDays(1))
        {
            balance += bookedPerDay.GetValueOrDefault(day);
            sum += Math.Max(0m, balance);
        }
        return sum;
    }

    /// <summary>
    /// Unrounded: the caller rounds once, at the end. Multiplying before dividing keeps decimal's 28 digits for the
    /// figures that matter instead of spending them on a repeating daily rate.
    /// </summary>
    public static decimal Interest(decimal dailyBalanceSum, DateOnly periodStart, DateOnly statementDate, decimal apr, DayCount dayCount)
    {
        var actualDays = statementDate.DayNumber - periodStart.DayNumber;
        return dayCount switch
        {
            DayCount.Actual365 => dailyBalanceSum * apr / 365m,
            DayCount.Actual360 => dailyBalanceSum * apr / 360m,
            // (sum / actual days) is the average daily balance; the year fraction is the 30/360 days over 360.
            DayCount.Thirty360 => dailyBalanceSum * apr * UsThirty360.DaysBetween(periodStart, statementDate) / (actualDays * 360m),
            _ => throw new ArgumentOutOfRangeException(nameof(dayCount), dayCount, "Unknown day count."),
        };
    }
}

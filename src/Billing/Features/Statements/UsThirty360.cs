namespace Billing.Features.Statements;

/// <summary>
/// Days between two dates under the 30/360 US convention (SIA "Standard Securities Calculation Methods"; OpenGamma
/// Strata's <c>30U/360</c>): every month counts 30 days, with the end-of-February rules, so a period from the last day
/// of February to the 31st of March is 30 days, not 33 as under the plain Bond Basis.
/// </summary>
public static class UsThirty360
{
    public static int DaysBetween(DateOnly start, DateOnly end)
    {
        int d1 = start.Day, d2 = end.Day;
        var startIsEndOfFebruary = IsLastDayOfFebruary(start);

        // The rules apply in this order; each later one sees the earlier one's result.
        if (startIsEndOfFebruary && IsLastDayOfFebruary(end))
            d2 = 30;
        if (startIsEndOfFebruary)
            d1 = 30;
        if (d2 == 31 && d1 >= 30)
            d2 = 30;
        if (d1 == 31)
            d1 = 30;

        return 360 * (end.Year - start.Year) + 30 * (end.Month - start.Month) + (d2 - d1);
    }

    static bool IsLastDayOfFebruary(DateOnly date) =>
        date.Month == 2 && date.Day == DateTime.DaysInMonth(date.Year, 2);
}

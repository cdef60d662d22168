namespace Billing.Features.BillingRuns.Runs;

public static class BillingRunRules
{
    /// <summary>
    /// Why a statement date cannot be billed, or null. A date up to one day ahead of UTC is today somewhere (the saga waits
    /// for each account's own cut-off); later ones are not due anywhere yet.
    /// </summary>
    public static string? DateProblem(DateOnly? date, DateTimeOffset now)
    {
        if (date is not { } d)
            return "Give the statement date as YYYY-MM-DD.";
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (d > today.AddDays(1))
            return $"{d:yyyy-MM-dd} is in the future: no account is due on it yet.";
        if (d < new DateOnly(2000, 1, 1))
            return $"{d:yyyy-MM-dd} is too far in the past.";
        return null;
    }
}

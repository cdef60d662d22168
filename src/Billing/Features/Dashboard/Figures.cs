using System.Globalization;

namespace Billing.Features.Dashboard;

/// <summary>
/// How the dashboard writes a figure, in one place: counts with thousands separators, money with its currency, times as
/// date, time and UTC. Invariant culture, so a page reads the same whatever the server's locale.
/// </summary>
public static class Figures
{
    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    public static string Money(decimal amount, string currency) => $"{amount.ToString("N2", CultureInfo.InvariantCulture)} {currency.Trim()}";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Time(DateTimeOffset? at) => at is { } t ? Time(t) : "";
}

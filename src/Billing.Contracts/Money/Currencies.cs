namespace Billing.Contracts.Money;

/// <summary>
/// The ISO 4217 currencies the service accepts, with their minor units (what providers such as Stripe count in).
/// A currency missing here is rejected at intake rather than guessed at.
/// </summary>
public static class Currencies
{
    static readonly Dictionary<string, int> MinorUnits = new(StringComparer.Ordinal)
    {
        ["SEK"] = 2, ["NOK"] = 2, ["DKK"] = 2, ["EUR"] = 2, ["USD"] = 2, ["GBP"] = 2, ["PLN"] = 2, ["CHF"] = 2,
        ["JPY"] = 0,
    };

    public static IReadOnlyCollection<string> Known => MinorUnits.Keys;

    public static bool IsKnown(string? code) => code is not null && MinorUnits.ContainsKey(code);

    public static int MinorUnitsOf(string code) =>
        MinorUnits.TryGetValue(code, out var units) ? units : throw new ArgumentException($"Unknown currency '{code}'.", nameof(code));

    /// <summary>The amount in minor units (öre, cents); throws when the amount has more decimals than the currency.</summary>
    public static long ToMinorUnits(decimal amount, string code)
    {
        if (!FitsMinorUnits(amount, code))
            throw new ArgumentException($"{amount} has more decimals than {code} allows.", nameof(amount));
        if (Math.Abs(amount) > MaxMinorUnitsAmount)
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "Too large to count in minor units.");
        return (long)(amount * Pow10(MinorUnitsOf(code)));
    }

    public static decimal FromMinorUnits(long minor, string code) => minor / Pow10(MinorUnitsOf(code));

    /// <summary>True when the amount is expressible in the currency (no fractions of its smallest unit).</summary>
    public static bool FitsMinorUnits(decimal amount, string code) =>
        // Rounding, not scaling: scaling 1e27 by 100 overflows decimal.
        decimal.Round(amount, MinorUnitsOf(code)) == amount;

    /// <summary>Far above any refund, far below where minor units stop fitting a long.</summary>
    public const decimal MaxMinorUnitsAmount = 1_000_000_000_000m;

    /// <summary>"12.50 SEK", with exactly the currency's decimals.</summary>
    public static string Format(decimal amount, string code) =>
        $"{amount.ToString("F" + (IsKnown(code) ? MinorUnitsOf(code) : 2), System.Globalization.CultureInfo.InvariantCulture)} {code}";

    static decimal Pow10(int exponent)
    {
        decimal result = 1;
        for (var i = 0; i < exponent; i++)
            result *= 10;
        return result;
    }
}

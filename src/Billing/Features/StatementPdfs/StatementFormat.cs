using System.Globalization;
using Billing.Contracts.Money;

namespace Billing.Features.StatementPdfs;

/// <summary>
/// Amounts and dates as the holder reads them: in the document's culture, with exactly the currency's minor units
/// (a culture's own currency digits belong to its own currency, not to the one on the statement).
/// </summary>
sealed class StatementFormat
{
    readonly CultureInfo _culture;
    readonly NumberFormatInfo _money;

    public StatementFormat(string locale, string currency)
    {
        _culture = CultureInfo.GetCultureInfo(locale);
        _money = (NumberFormatInfo)_culture.NumberFormat.Clone();
        _money.CurrencyDecimalDigits = Currencies.MinorUnitsOf(currency);
        // The culture's symbol only where it is this currency's (kr for SEK in sv-SE); elsewhere the ISO code, since
        // "kr" or "$" alone is ambiguous abroad.
        if (LocalCurrency(_culture) != currency)
            _money.CurrencySymbol = currency;
    }

    public string Money(decimal amount) => amount.ToString("C", _money);

    public string Date(DateOnly date) => date.ToString("d", _culture);

    public string LongDate(DateOnly date) => date.ToString("D", _culture);

    /// <summary>APR is a fraction (0.199); shown as a percentage with two decimals.</summary>
    public string Percent(decimal fraction) => fraction.ToString("P2", _culture);

    static string? LocalCurrency(CultureInfo culture)
    {
        if (culture.IsNeutralCulture || culture.Name.Length == 0)
            return null;
        try
        {
            return new RegionInfo(culture.Name).ISOCurrencySymbol;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

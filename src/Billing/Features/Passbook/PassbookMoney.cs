using Billing.Contracts.Money;

namespace Billing.Features.Passbook;

static class PassbookMoney
{
    /// <summary>
    /// The amount with exactly the currency's decimals (10 → 10.00, numeric(19,4)'s 10.0000 → 10.00), so an answer read
    /// back from the database equals the first one.
    /// </summary>
    public static decimal Normalize(decimal amount, string currency)
    {
        var units = Currencies.IsKnown(currency) ? Currencies.MinorUnitsOf(currency) : 4;
        return decimal.Round(amount, units) + new decimal(0, 0, 0, false, (byte)units);
    }
}

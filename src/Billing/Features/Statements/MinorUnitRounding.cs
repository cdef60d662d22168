using Billing.Contracts.Money;

namespace Billing.Features.Statements;

static class MinorUnitRounding
{
    /// <summary>
    /// Half a cent (or half a yen) goes up, as a customer reading the statement by hand would round it; banker's
    /// rounding (decimal's default) would surprise them.
    /// </summary>
    public static decimal Round(decimal amount, string currency) =>
        decimal.Round(amount, Currencies.MinorUnitsOf(currency), MidpointRounding.AwayFromZero);
}

using Billing.Contracts.Money;
using Billing.Features.Refunds.Providers;

namespace Billing.Features.Refunds;

/// <summary>
/// What a method's provider will never accept, checked at intake so such a refund is refused with the rule's name
/// instead of being accepted and then declined: Stripe caps an amount at eight digits of minor units; Swish refunds
/// only SEK, and at least 1.00 SEK.
/// </summary>
public static class ProviderLimits
{
    public const long StripeMaxMinorUnits = 99_999_999;
    public const decimal SwishMinAmount = 1.00m;

    /// <summary>Field → the rule the refund breaks; empty when the provider may accept it.</summary>
    public static IEnumerable<(string Field, string Problem)> Problems(string method, decimal amount, string currency)
    {
        switch (method)
        {
            case StripeCardRefundProvider.MethodName when Currencies.ToMinorUnits(amount, currency) > StripeMaxMinorUnits:
                yield return ("amount", $"Stripe refunds at most {StripeMaxMinorUnits} minor units " +
                    $"({Currencies.Format(Currencies.FromMinorUnits(StripeMaxMinorUnits, currency), currency)}) in one refund.");
                break;
            case SwishRefundProvider.MethodName when currency != "SEK":
                yield return ("currency", "Swish refunds only SEK.");
                break;
            case SwishRefundProvider.MethodName when amount < SwishMinAmount:
                yield return ("amount", $"Swish refunds at least {Currencies.Format(SwishMinAmount, "SEK")}.");
                break;
        }
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The reference a holder quotes when paying: ten digits derived from the account id and a Luhn check digit, so a bank
/// form can refuse a mistyped one. The same account always has the same reference.
/// </summary>
public static class PaymentReference
{
    public static string For(string accountId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(accountId));
        var digits = (BitConverter.ToUInt64(hash, 0) % 10_000_000_000UL).ToString("D10");
        return digits + LuhnDigit(digits);
    }

    static int LuhnDigit(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 0)
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }

        return (10 - sum % 10) % 10;
    }
}

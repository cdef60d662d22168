using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Billing.Contracts.Money;

namespace Billing.Features.Passbook;

/// <summary>A repayment as the gateway reported it, validated; <see cref="PaidAt"/> is UTC, cut to the microsecond Postgres keeps.</summary>
public sealed record RepaymentReport(string AccountId, decimal Amount, string Currency, string GatewayPaymentId, string Method,
    DateTimeOffset PaidAt, string Source)
{
    /// <summary>
    /// Identifies the payment, not who reported it: the webhook and the settlement file describe one payment and must
    /// agree, so the source is left out. Amount in minor units and paid-at to the microsecond, so "10", "10.0" and
    /// "10.00" (or a paid-at with more digits than the database keeps) are the same report.
    /// </summary>
    public string Fingerprint() => Hash(AccountId, Minor(Amount, Currency), Currency, Method, Microseconds(PaidAt));

    /// <summary>A gateway report's fingerprint: a SHA-256 of its canonical parts, one per line.</summary>
    internal static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));

    internal static string Minor(decimal amount, string currency) =>
        Currencies.ToMinorUnits(amount, currency).ToString(CultureInfo.InvariantCulture);

    internal static string Microseconds(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The passbook entry's reference: one entry per gateway payment, whoever reports it.</summary>
    public string ExternalRef => $"repayment:{GatewayPaymentId}";

    /// <summary>
    /// The refund saga's idempotency key for this repayment's excess: one refund per repayment, however often sent; a
    /// repayment moved to another account (<paramref name="moveNo"/> &gt; 0) may have one more there, its own.
    /// </summary>
    public static string ExcessRefundKey(string gatewayPaymentId, int moveNo = 0) =>
        moveNo == 0 ? $"excess:{gatewayPaymentId}" : $"excess:{gatewayPaymentId}:move-{moveNo}";

    public static DateTimeOffset ToMicroseconds(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % 10, TimeSpan.Zero);
    }
}

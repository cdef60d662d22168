using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Billing.Features.Refunds.Webhooks;

/// <summary>
/// Stripe's webhook signature: <c>Stripe-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{payload}" under the
/// endpoint's secret}</c>, possibly with several v1 values (while a secret is rolled). A signature older or newer than the
/// tolerance is refused, so a captured request cannot be replayed later.
/// </summary>
public static class StripeSignature
{
    public static string Sign(string payload, string secret, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Hash(timestamp, payload, secret)}";
    }

    /// <summary>Null when the header signs the payload within the tolerance, otherwise what is wrong.</summary>
    public static string? Problem(string? header, string payload, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(header))
            return "The Stripe-Signature header is missing.";
        var parts = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        var timestamp = parts.FirstOrDefault(p => p[0] == "t")?[1];
        if (timestamp is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return "The Stripe-Signature header has no timestamp.";
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
            return "The signature's timestamp is outside the tolerance.";

        var expected = Encoding.ASCII.GetBytes(Hash(timestamp, payload, secret));
        return parts.Where(p => p[0] == "v1").Any(p => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(p[1]), expected))
            ? null
            : "No v1 signature matches the payload.";
    }

    static string Hash(string timestamp, string payload, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{payload}")));
}

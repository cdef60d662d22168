using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Billing.Features.Notifications;

/// <summary>
/// The statement e-mail's Message-ID, from its idempotency key: SMTP cannot deduplicate, so a repeat after an unknown
/// outcome carries the same Message-ID and mail clients (and the support team) can tell it is the same mail.
/// </summary>
public static partial class StatementMessageId
{
    /// <summary>
    /// <c>{key}@{domain}</c> when the key is a plain token (letters, digits, <c>.</c> <c>_</c> <c>-</c>, at most 64), else
    /// <c>{first 32 hex of SHA-256(key)}@{domain}</c>: any key becomes a valid, still stable, msg-id (RFC 5322 §3.6.4).
    /// Without angle brackets, as MimeKit's <c>MessageId</c> takes it.
    /// </summary>
    public static string For(string idempotencyKey, string domain) =>
        $"{(PlainToken().IsMatch(idempotencyKey) ? idempotencyKey : Hash(idempotencyKey))}@{domain}";

    static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];

    [GeneratedRegex(@"^[A-Za-z0-9_-]([A-Za-z0-9_-]|\.(?!\.)){0,62}[A-Za-z0-9_-]$")]
    private static partial Regex PlainToken();
}

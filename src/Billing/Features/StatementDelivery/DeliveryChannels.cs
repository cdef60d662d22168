namespace Billing.Features.StatementDelivery;

/// <summary>The four deliveries of a statement. The PDF counts as one: the e-mail and WhatsApp ones depend on it.</summary>
public static class DeliveryChannels
{
    public const string Sms = "sms";
    public const string Pdf = "pdf";
    public const string Email = "email";
    public const string WhatsApp = "whatsapp";

    public static readonly IReadOnlyList<string> All = [Sms, Pdf, Email, WhatsApp];

    /// <summary>The key every provider call for this delivery carries: the same statement and channel, the same message.</summary>
    public static string IdempotencyKey(Guid statementId, string channel) => $"statement-{statementId:N}-{channel}";

    /// <summary>The statement id in 22 URL-safe characters, for the short link (/s/{code}).</summary>
    public static string ShortCode(Guid statementId) =>
        Convert.ToBase64String(statementId.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Guid? FromShortCode(string code)
    {
        if (code.Length != 22)
            return null;
        try
        {
            return new Guid(Convert.FromBase64String(code.Replace('-', '+').Replace('_', '/') + "=="));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

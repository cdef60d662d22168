namespace Billing.Features.StatementDelivery;

/// <summary>The four deliveries of a statement. The PDF counts as one: the e-mail and WhatsApp ones depend on it.</summary>
public static class DeliveryChannels
{
    public const string Sms = "sms";
    public const string Pdf = "pdf";
    public const string Email = "email";
    public const string WhatsApp = "whatsapp";

    public static readonly IReadOnlyList<string> All = [Sms, Pdf, Email, WhatsApp];

    /// <summary>The channel's own queue (its consumer's endpoint).</summary>
    public static string Queue(string channel) => $"statement-{channel}";

    /// <summary>The key every provider call for this delivery carries: the same statement and channel, the same message.</summary>
    public static string IdempotencyKey(Guid statementId, string channel) => $"statement-{statementId:N}-{channel}";
}

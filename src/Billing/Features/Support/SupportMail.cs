namespace Billing.Features.Support;

/// <summary>A plain-text e-mail to the support address.</summary>
public sealed record SupportMail
{
    public required string Subject { get; init; }
    public required string Body { get; init; }

    /// <summary>
    /// Becomes the Message-ID header. Derive it from what the mail is about (like a saga's correlation id), so a mail
    /// sent again after a crash carries the same header and mail clients show one message.
    /// </summary>
    public required Guid MessageId { get; init; }
}

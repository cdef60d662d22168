namespace Billing.Features.Notifications;

/// <summary>
/// The three channels' adapters. Each call carries <c>idempotencyKey</c> (derived from statement and channel by the
/// caller) where the provider's API takes one, so a repeat after an unknown outcome sends nothing twice. None throws for
/// a provider's answer or an unreachable provider: that is a <see cref="SendResult"/>; only cancellation throws.
/// </summary>
public interface ISmsSender
{
    /// <param name="to">E.164.</param>
    Task<SendResult> Send(string to, StatementNotice notice, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Looks for the notice's SMS at the provider after an unknown outcome: sent to <paramref name="to"/> on or after
    /// <paramref name="since"/>'s day, with this notice's very text (it carries the statement's signed link, so it names one
    /// statement). Sent with the message's id when found; null when the provider has no such message; Retryable when the
    /// lookup itself got no answer (then nothing is known yet, and nothing may be sent).
    /// </summary>
    Task<SendResult?> Find(string to, StatementNotice notice, DateTimeOffset since, CancellationToken cancellationToken);
}

public interface IStatementMailer
{
    /// <summary>
    /// Sends the statement e-mail with the PDF attached, its Message-ID derived from <paramref name="idempotencyKey"/> (SMTP
    /// has no idempotency: a repeat after an unknown outcome carries the same Message-ID). The result's message id is it.
    /// </summary>
    Task<SendResult> Send(string to, StatementNotice notice, byte[] pdf, string fileName, string idempotencyKey,
        CancellationToken cancellationToken);
}

public interface IWhatsAppSender
{
    /// <summary>Uploads the PDF as media; Sent carries the media id.</summary>
    Task<SendResult> Upload(byte[] pdf, string fileName, CancellationToken cancellationToken);

    /// <summary>Sends the statement with the uploaded document (a template message, or a document one where configured).</summary>
    /// <param name="to">E.164.</param>
    Task<SendResult> Send(string to, StatementNotice notice, string mediaId, string fileName, string idempotencyKey,
        CancellationToken cancellationToken);
}

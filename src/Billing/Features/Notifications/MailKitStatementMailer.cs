using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Billing.Features.Notifications;

/// <summary>
/// The statement e-mail over SMTP with MailKit, like the support mailer, but on pooled sessions
/// (<see cref="SmtpSessionPool"/>): the statement run sends a mail per account, and a connect per mail costs more than
/// the mail. The server's answer decides the result: a 5xx is Permanent, a 4xx, a dropped connection or a timeout Retryable.
/// </summary>
sealed class MailKitStatementMailer(IOptions<EmailOptions> options, SmtpSessionPool sessions, ILogger<MailKitStatementMailer> logger)
    : IStatementMailer
{
    public async Task<SendResult> Send(string to, StatementNotice notice, byte[] pdf, string fileName, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        MimeMessage message;
        try
        {
            message = Compose(settings, to, notice, pdf, fileName, idempotencyKey);
        }
        catch (ParseException e)
        {
            // The recipient's address does not parse: no server will take it.
            return SendResult.Permanent($"invalid_address: {e.Message}");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        var result = await SendAsync(message, settings, timeout.Token, cancellationToken);
        logger.Log(result.Status == SendStatus.Sent ? LogLevel.Debug : LogLevel.Warning,
            "Statement mail <{MessageId}> for statement {StatementId}: {Status} {Error}", message.MessageId, notice.StatementId, result.Status, result.Error);
        return result;
    }

    async Task<SendResult> SendAsync(MimeMessage message, EmailOptions settings, CancellationToken timeout, CancellationToken cancellationToken)
    {
        try
        {
            await sessions.Use((client, ct) => client.SendAsync(message, ct), timeout);
            return SendResult.Sent(message.MessageId!);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Unknown($"timeout: not sent within {settings.Timeout.TotalSeconds:0.###} s");
        }
        catch (SmtpCommandException e)
        {
            // The reply code's first digit is the server's own verdict: 5 is "never", 4 is "not now" (greylisting, mailbox busy).
            var described = $"smtp_{(int)e.StatusCode} {e.ErrorCode}: {e.Message}";
            return (int)e.StatusCode >= 500 ? SendResult.Permanent(described) : SendResult.Retryable(described);
        }
        catch (AuthenticationException e)
        {
            // 535: the configured login is wrong; every mail would fail the same way until someone fixes it.
            return SendResult.Permanent($"smtp_auth: {e.Message}");
        }
        catch (Exception e) when (e is SmtpProtocolException or IOException or SocketException or SslHandshakeException
            or ServiceNotConnectedException or TimeoutException)
        {
            // The session broke, perhaps after the server took the mail: a repeat carries the same Message-ID.
            return SendResult.Unknown($"smtp_connection: {e.Message}");
        }
    }

    static MimeMessage Compose(EmailOptions settings, string to, StatementNotice notice, byte[] pdf, string fileName, string idempotencyKey)
    {
        var from = new MailboxAddress(settings.FromName, settings.From.Trim());
        var body = new BodyBuilder { TextBody = NoticeTexts.PlainText(notice), HtmlBody = NoticeTexts.Html(notice) };
        body.Attachments.Add(fileName, pdf, new ContentType("application", "pdf"));

        var message = new MimeMessage
        {
            Subject = NoticeTexts.Subject(notice),
            Body = body.ToMessageBody(),
            MessageId = StatementMessageId.For(idempotencyKey, from.Domain),
        };
        message.From.Add(from);
        if (!string.IsNullOrWhiteSpace(settings.ReplyTo))
            message.ReplyTo.Add(MailboxAddress.Parse(settings.ReplyTo));
        message.To.Add(new MailboxAddress(notice.HolderName, MailboxAddress.Parse(to).Address));
        return message;
    }
}

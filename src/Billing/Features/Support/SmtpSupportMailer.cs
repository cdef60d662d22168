using System.Net;
using System.Net.Mail;
using System.Text;
using Microsoft.Extensions.Options;

namespace Billing.Features.Support;

/// <summary>
/// Sends support mail with System.Net.Mail's SmtpClient. Microsoft recommends MailKit for new code, but the package
/// registry here does not carry it; for plain SMTP to one relay SmtpClient does the job. Swap this class for a MailKit
/// one when it becomes available: <see cref="ISupportMailer"/> stays.
/// </summary>
sealed class SmtpSupportMailer(IOptions<SupportMailOptions> options, ILogger<SmtpSupportMailer> logger) : ISupportMailer
{
    public async Task SendAsync(SupportMail mail, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var from = new MailAddress(settings.From);
        using var message = new MailMessage(from, new MailAddress(settings.To))
        {
            Subject = mail.Subject,
            SubjectEncoding = Encoding.UTF8,
            // Text travels with CRLF line ends (RFC 5322); SmtpClient base64-encodes a UTF-8 body as given.
            Body = mail.Body.ReplaceLineEndings("\r\n"),
            BodyEncoding = Encoding.UTF8,
            IsBodyHtml = false,
        };
        // SmtpClient writes no Message-ID of its own; ours is stable, so a resend is recognisably the same mail.
        var messageId = $"<{mail.MessageId:N}@{from.Host}>";
        message.Headers.Add("Message-ID", messageId);

        // One client per mail: SmtpClient allows one send at a time, and it keeps no connection open between sends anyway.
        using var client = new SmtpClient(settings.Smtp.Host, settings.Smtp.Port)
        {
            EnableSsl = settings.Smtp.EnableSsl,
            DeliveryMethod = SmtpDeliveryMethod.Network,
        };
        if (!string.IsNullOrEmpty(settings.Smtp.UserName))
            client.Credentials = new NetworkCredential(settings.Smtp.UserName, settings.Smtp.Password);

        // SmtpClient.Timeout governs only the synchronous Send; the asynchronous one stops on its token.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Smtp.Timeout);
        await client.SendMailAsync(message, timeout.Token);

        logger.LogInformation("Support mail {MessageId} sent: {Subject}", messageId, mail.Subject);
    }
}

using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Billing.Features.Support;

/// <summary>
/// Sends support mail over SMTP with MailKit (what Microsoft recommends over System.Net.Mail's SmtpClient). One
/// connection per mail: support mail is a few messages a day, and a connection kept open would only go stale.
/// </summary>
sealed class MailKitSupportMailer(IOptions<SupportMailOptions> options, ILogger<MailKitSupportMailer> logger) : ISupportMailer
{
    public async Task SendAsync(SupportMail mail, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var from = MailboxAddress.Parse(settings.From);
        var message = new MimeMessage
        {
            Subject = mail.Subject,
            Body = new TextPart("plain") { Text = mail.Body.ReplaceLineEndings("\r\n") },
            // Stable, from what the mail is about: a mail sent again after a crash is recognisably the same one.
            MessageId = $"{mail.MessageId:N}@{from.Domain}",
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(settings.To));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Smtp.Timeout);
        using var client = new SmtpClient { Timeout = (int)settings.Smtp.Timeout.TotalMilliseconds };
        // EnableSsl means TLS from the first byte on the port (465); otherwise STARTTLS where the server offers it.
        var security = settings.Smtp.EnableSsl ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
        await client.ConnectAsync(settings.Smtp.Host, settings.Smtp.Port, security, timeout.Token);
        if (!string.IsNullOrEmpty(settings.Smtp.UserName))
            await client.AuthenticateAsync(settings.Smtp.UserName, settings.Smtp.Password ?? "", timeout.Token);
        await client.SendAsync(message, timeout.Token);
        await client.DisconnectAsync(quit: true, timeout.Token);

        logger.LogInformation("Support mail <{MessageId}> sent: {Subject}", message.MessageId, mail.Subject);
    }
}

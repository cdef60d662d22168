using System.Globalization;
using Billing.Features.Support;
using Billing.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.SupportMail;

/// <summary>MailKit against the real mail sink of the local stack; fails (never skips) when it is not running.</summary>
public class SupportMailerTests
{
    [Fact]
    public async Task Support_mail_reaches_the_mail_sink_with_its_subject_body_and_message_id()
    {
        var mail = new Features.Support.SupportMail
        {
            Subject = "Refund for Åsa Lindström failed three times",
            Body = "Refund 7f3c needs a person.\nProvider answer: card_declined\n",
            MessageId = NewId.NextGuid(),
        };

        await Mailer().SendAsync(mail, CancellationToken.None);

        var stored = (await MailSink.WaitFor(mail.MessageId.ToString("N"), 1, TimeSpan.FromSeconds(30))).ShouldHaveSingleItem();
        stored.Headers["Message-ID"].ShouldBe($"<{mail.MessageId:N}@billing.local>");
        stored.Headers["From"].ShouldBe("billing@billing.local");
        stored.Headers["To"].ShouldBe("support@billing.local");
        stored.Subject.ShouldBe(mail.Subject);
        // MailKit sends plain text as it is (7bit, CRLF on the wire); the sink's Maildir stores lines with LF.
        stored.Body.ReplaceLineEndings("\n").ShouldBe("Refund 7f3c needs a person.\nProvider answer: card_declined\n");
    }

    [Fact]
    public async Task The_same_mail_sent_twice_carries_the_same_message_id_both_times()
    {
        var mail = new Features.Support.SupportMail { Subject = "Reconciliation stuck", Body = "Run 12 has not finished.", MessageId = NewId.NextGuid() };
        var mailer = Mailer();

        await mailer.SendAsync(mail, CancellationToken.None);
        await mailer.SendAsync(mail, CancellationToken.None);

        var stored = await MailSink.WaitFor(mail.MessageId.ToString("N"), 2, TimeSpan.FromSeconds(30));
        stored.Count.ShouldBe(2, "the sink keeps both; a mail client shows them as one");
        stored.Select(m => m.Headers["Message-ID"]).Distinct().ShouldHaveSingleItem().ShouldBe($"<{mail.MessageId:N}@billing.local>");
    }

    internal static ISupportMailer Mailer()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Support:From"] = "billing@billing.local",
            ["Support:To"] = "support@billing.local",
            ["Support:Smtp:Host"] = MailSink.Host,
            ["Support:Smtp:Port"] = MailSink.Port.ToString(CultureInfo.InvariantCulture),
        }).Build();
        return new ServiceCollection().AddLogging().AddSupportMail(configuration).BuildServiceProvider().GetRequiredService<ISupportMailer>();
    }
}

using Billing.Features.Notifications;

namespace Billing.Tests.Notifications;

public sealed class NoticeTextsTests
{
    // GSM 03.38's basic set (the escape table's characters count double, and none is needed here).
    const string Gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    // Catches the locale's no-break space (sv-SE's digit grouping) reaching the SMS: it forces UCS-2, 70 characters a segment.
    [Theory]
    [InlineData("sv-SE")]
    [InlineData("en-GB")]
    [InlineData("fr-FR")]
    public void The_sms_is_one_gsm7_segment_for_a_short_link(string locale)
    {
        var body = NoticeTexts.Sms(NotificationChannels.Notice(locale, link: "https://bill.example/s/8f3k2l9q"));

        body.Where(c => !Gsm7.Contains(c)).ShouldBeEmpty();
        body.Length.ShouldBeLessThanOrEqualTo(160);
    }

    [Fact]
    public void The_subject_names_the_statements_month_in_the_holders_language()
    {
        NoticeTexts.Subject(NotificationChannels.Notice("sv-SE")).ShouldBe("Your statement for mars 2026");
        NoticeTexts.Subject(NotificationChannels.Notice("en-GB")).ShouldBe("Your statement for March 2026");
    }

    [Fact]
    public void An_unknown_locale_formats_invariantly_rather_than_failing_the_send()
    {
        NoticeTexts.MinimumDue(NotificationChannels.Notice("")).ShouldBe("1,234.50 SEK");
    }

    [Fact]
    public void The_message_id_is_the_key_where_it_is_a_plain_token_and_a_stable_hash_otherwise()
    {
        StatementMessageId.For("statement-42.email", "billing.local").ShouldBe("statement-42.email@billing.local");
        var hashed = StatementMessageId.For("statement 42 <email>", "billing.local");
        hashed.ShouldMatch("^[0-9a-f]{32}@billing.local$");
        StatementMessageId.For("statement 42 <email>", "billing.local").ShouldBe(hashed);
    }
}

using System.Text;
using System.Text.Json;
using Billing.Features.Notifications;
using Billing.Tests.Providers;

namespace Billing.Tests.Notifications;

/// <summary>The WhatsApp adapter against the Cloud API-shaped stand-in, one stand-in per test.</summary>
public sealed class WhatsAppSenderTests : IAsyncLifetime
{
    static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n%statement\n%%EOF\n");

    NotificationChannels _channels = new();

    [Fact]
    public async Task A_template_message_carrying_the_uploaded_statement_reaches_the_provider()
    {
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice("sv-SE"), NotificationChannels.Key());

        var upload = await _channels.WhatsApp.Upload(Pdf, "statement-2026-03.pdf", CancellationToken.None);
        upload.Status.ShouldBe(SendStatus.Sent, upload.Error);
        var sent = await _channels.WhatsApp.Send(to, notice, upload.ProviderMessageId!, "statement-2026-03.pdf", key, CancellationToken.None);

        sent.Status.ShouldBe(SendStatus.Sent, sent.Error);
        var message = (await _channels.StandIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem();
        (message.MessageId, message.To, message.Type, message.Template).ShouldBe((sent.ProviderMessageId!, to, "template", new("statement_ready", "sv")));
        // The ledger keeps a template's name and language only; its components are read from the request the adapter sent.
        var components = JsonDocument.Parse(_channels.Sent.ShouldHaveSingleItem()).RootElement.GetProperty("template").GetProperty("components");
        var document = components[0].GetProperty("parameters")[0].GetProperty("document");
        (components[0].GetProperty("type").GetString(), document.GetProperty("id").GetString(), document.GetProperty("filename").GetString())
            .ShouldBe(("header", upload.ProviderMessageId, "statement-2026-03.pdf"));
        components[1].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("text").GetString())
            .ShouldBe(["1\u00A0234,50 SEK", "2026-03-28"]); // sv-SE groups digits with a no-break space; WhatsApp shows it
    }

    [Fact]
    public async Task In_document_mode_the_statement_goes_as_a_document_with_a_caption()
    {
        await RestartWith(new() { ["WhatsApp:Mode"] = "document" });
        var (to, notice) = (NotificationChannels.Recipient(), NotificationChannels.Notice("en-GB"));

        var upload = await _channels.WhatsApp.Upload(Pdf, "statement-2026-03.pdf", CancellationToken.None);
        var sent = await _channels.WhatsApp.Send(to, notice, upload.ProviderMessageId!, "statement-2026-03.pdf", NotificationChannels.Key(), CancellationToken.None);

        sent.Status.ShouldBe(SendStatus.Sent, sent.Error);
        var message = (await _channels.StandIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem();
        message.Type.ShouldBe("document");
        message.Document.ShouldBe(new(upload.ProviderMessageId, null, "statement-2026-03.pdf"));
        message.Body!.ShouldContain("Minimum due 1,234.50 SEK by 28/03/2026.");
        message.Body!.ShouldContain(notice.Link);
    }

    // Catches a body that changes between attempts (a timestamp, say): the stand-in refuses the key reused with another body.
    [Fact]
    public async Task The_same_key_and_media_twice_deliver_one_message_and_answer_the_same_id()
    {
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key());
        var media = (await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None)).ProviderMessageId!;

        var first = await _channels.WhatsApp.Send(to, notice, media, "s.pdf", key, CancellationToken.None);
        var second = await _channels.WhatsApp.Send(to, notice, media, "s.pdf", key, CancellationToken.None);

        first.Status.ShouldBe(SendStatus.Sent, first.Error);
        second.ShouldBe(first);
        (await _channels.StandIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem().IdempotencyKey.ShouldBe(key);
    }

    [Fact]
    public async Task A_bad_token_is_Permanent_with_graphs_code_190()
    {
        await RestartWith(new() { ["WhatsApp:AccessToken"] = "expired-token" });

        var upload = await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None);
        var sent = await _channels.WhatsApp.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), "1013859600285441", "s.pdf",
            NotificationChannels.Key(), CancellationToken.None);

        upload.Status.ShouldBe(SendStatus.Permanent);
        sent.Status.ShouldBe(SendStatus.Permanent);
        sent.Error!.ShouldStartWith("190: ");
    }

    [Fact]
    public async Task A_refused_recipient_is_Permanent_and_sends_nothing()
    {
        var media = (await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None)).ProviderMessageId!;
        await _channels.StandIn.SetFaults("whatsapp", """{"failRate":1.0,"failMode":"nonRetryable","seed":42}""");

        var sent = await _channels.WhatsApp.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), media, "s.pdf", NotificationChannels.Key(), CancellationToken.None);

        sent.Status.ShouldBe(SendStatus.Permanent);
        sent.Error!.ShouldMatch("^(131026|131030): ");
        (await _channels.StandIn.Ledger()).Messages!.WhatsApp.ShouldBeEmpty();
    }

    // Seeds 7 draws both of the stand-in's retryable answers over the tries: 500 code 131000 and 503 code 2.
    [Fact]
    public async Task Provider_errors_are_Retryable_and_a_retry_with_the_same_key_delivers_once()
    {
        var (to, notice, key) = (NotificationChannels.Recipient(), NotificationChannels.Notice(), NotificationChannels.Key());
        var media = (await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None)).ProviderMessageId!;
        await _channels.StandIn.SetFaults("whatsapp", """{"failRate":1.0,"failMode":"retryable","seed":7}""");

        var failures = new List<SendResult>();
        for (var i = 0; i < 6; i++)
            failures.Add(await _channels.WhatsApp.Send(to, notice, media, "s.pdf", key, CancellationToken.None));
        await _channels.StandIn.ResetFaults("whatsapp");
        var retried = await _channels.WhatsApp.Send(to, notice, media, "s.pdf", key, CancellationToken.None);

        failures.ShouldAllBe(f => f.Status == SendStatus.Retryable);
        failures.Select(f => f.Error!.Split(':')[0]).Distinct().Order().ShouldBe(["131000", "2"]);
        retried.Status.ShouldBe(SendStatus.Sent);
        (await _channels.StandIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem().MessageId.ShouldBe(retried.ProviderMessageId);
    }

    [Fact]
    public async Task A_dark_provider_is_Retryable_for_uploads_and_sends()
    {
        await _channels.StandIn.SetFaults("whatsapp", $$"""{"darkUntil":"{{_channels.StandIn.Clock.GetUtcNow().AddMinutes(1):O}}"}""");

        var upload = await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None);
        var sent = await _channels.WhatsApp.Send(NotificationChannels.Recipient(), NotificationChannels.Notice(), "1013859600285441", "s.pdf",
            NotificationChannels.Key(), CancellationToken.None);

        (upload.Status, sent.Status).ShouldBe((SendStatus.Retryable, SendStatus.Retryable));
        sent.Error!.ShouldStartWith("2: ");
    }

    [Fact]
    public async Task A_refused_connection_is_Retryable()
    {
        await RestartWith(new() { ["WhatsApp:BaseUrl"] = ProviderAdapters.ClosedPort().ToString() });

        var upload = await _channels.WhatsApp.Upload(Pdf, "s.pdf", CancellationToken.None);

        upload.Status.ShouldBe(SendStatus.Retryable);
        upload.Error!.ShouldStartWith("connection_failed");
    }

    async Task RestartWith(Dictionary<string, string> settings)
    {
        await _channels.DisposeAsync();
        _channels = new NotificationChannels(settings);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _channels.DisposeAsync();
}

using System.Net;
using System.Net.Http.Headers;
using Billing.Providers.StandIn.Control;

namespace Billing.Tests.Providers;

public sealed class WhatsAppTests : IAsyncLifetime
{
    readonly StandInHost _standIn = new();

    [Fact]
    public async Task An_uploaded_statement_sent_as_a_document_is_accepted_and_in_the_ledger()
    {
        var mediaId = await Upload();
        var response = await _standIn.PostWhatsApp(StandInHost.WhatsAppDocument(mediaId: mediaId));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var sent = await response.Body();
        sent.Text("messaging_product").ShouldBe("whatsapp");
        var contact = sent.GetProperty("contacts").EnumerateArray().ShouldHaveSingleItem();
        (contact.Text("input"), contact.Text("wa_id")).ShouldBe(("46701234567", "46701234567"));
        var id = sent.GetProperty("messages").EnumerateArray().ShouldHaveSingleItem().Text("id");
        id.ShouldStartWith("wamid.");

        var delivered = (await _standIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem();
        (delivered.MessageId, delivered.To, delivered.From, delivered.Type, delivered.Body, delivered.Document)
            .ShouldBe((id, "46701234567", StandInHost.PhoneNumberId, "document", "Your statement for March",
                new MessageDocument(mediaId, null, "statement-2026-03.pdf")));
    }

    [Fact]
    public async Task A_template_message_is_in_the_ledger_with_its_name_and_language()
    {
        (await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate())).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem().Template.ShouldBe(new MessageTemplate("statement_ready", "sv"));
    }

    [Fact]
    public async Task With_keys_ignored_the_same_key_twice_is_two_messages_as_at_the_cloud_api()
    {
        await _standIn.SetMessagingKeys(MessagingKeyMode.Ignored);

        var first = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), idempotencyKey: "statement-42-wa");
        var second = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), idempotencyKey: "statement-42-wa");
        var other = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(to: "46709999999"), idempotencyKey: "statement-42-wa");

        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await second.Body()).ToString().ShouldNotBe((await first.Body()).ToString());
        other.StatusCode.ShouldBe(HttpStatusCode.OK, "no key, no conflict");
        (await _standIn.Ledger()).Messages!.WhatsApp.Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_delivers_one_message_and_another_body_under_it_is_refused()
    {
        var first = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), idempotencyKey: "statement-42-wa");
        var second = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), idempotencyKey: "statement-42-wa");
        var other = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(to: "46709999999"), idempotencyKey: "statement-42-wa");

        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await second.Body()).ToString().ShouldBe((await first.Body()).ToString());
        other.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await other.GraphError()).GetProperty("code").GetInt32().ShouldBe(100);
        var delivered = (await _standIn.Ledger()).Messages!.WhatsApp.ShouldHaveSingleItem();
        (delivered.IdempotencyKey, delivered.TimesDelivered).ShouldBe(("statement-42-wa", 1));
    }

    [Theory]
    [InlineData("wrong-token")]
    [InlineData("")]
    public async Task A_bad_token_is_refused_with_graphs_401_and_delivers_nothing(string token)
    {
        var response = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate(), token: token);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var error = await response.GraphError();
        (error.Text("type"), error.GetProperty("code").GetInt32()).ShouldBe(("OAuthException", 190));
        error.Text("fbtrace_id").ShouldNotBeEmpty();
        error.Text("message").ShouldNotBeEmpty();
        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("\"messaging_product\":\"whatsapp\"", "\"messaging_product\":\"sms\"")]
    [InlineData("\"to\":\"46701234567\"", "\"to\":\"070-123\"")]
    [InlineData("\"type\":\"template\"", "\"type\":\"sticker\"")]
    [InlineData("\"name\":\"statement_ready\"", "\"name\":\"\"")]
    [InlineData("\"code\":\"sv\"", "\"code\":null")]
    [InlineData("\"type\":\"template\"", "\"type\":\"document\"")]
    [InlineData("{", "[")]
    public async Task Invalid_input_is_a_400_in_graphs_shape_and_delivers_nothing(string replace, string with)
    {
        var response = await _standIn.PostWhatsApp(StandInHost.WhatsAppTemplate().Replace(replace, with));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = await response.GraphError();
        (error.Text("type"), error.GetProperty("code").GetInt32()).ShouldBe(("OAuthException", 100));
        error.GetProperty("error_data").Text("details").ShouldNotBeEmpty();
        (await _standIn.Ledger()).Messages!.WhatsApp.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_media_upload_without_a_file_is_a_400_in_graphs_shape()
    {
        using var form = new MultipartFormDataContent { { new StringContent("whatsapp"), "messaging_product" }, { new StringContent("application/pdf"), "type" } };

        var response = await SendMedia(form);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.GraphError()).GetProperty("code").GetInt32().ShouldBe(100);
    }

    async Task<string> Upload()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent("application/pdf"), "type" },
            { new ByteArrayContent("%PDF-1.7 statement"u8.ToArray()) { Headers = { ContentType = new("application/pdf") } }, "file", "statement-2026-03.pdf" },
        };
        var response = await SendMedia(form);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Body()).Text("id");
        id.ShouldMatch("^[0-9]+$");
        return id;
    }

    Task<HttpResponseMessage> SendMedia(MultipartFormDataContent form) =>
        _standIn.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{StandInHost.PhoneNumberId}/media")
        {
            Content = form,
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", StandInHost.WhatsAppToken) },
        });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _standIn.DisposeAsync();
}

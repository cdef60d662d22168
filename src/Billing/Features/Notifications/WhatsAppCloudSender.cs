using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Billing.Features.Notifications;

/// <summary>
/// Statements over the WhatsApp Cloud API: the PDF uploaded as media (<c>POST {version}/{phone-number-id}/media</c>), then a
/// message naming it (<c>…/messages</c>), bearer token on the typed client. The send carries <c>Idempotency-Key</c> (the
/// stand-in honours it; the Cloud API has none): a repeat must be the very same request, so the caller keeps the media id
/// and the key, and everything else in the body derives from the notice.
/// </summary>
sealed class WhatsAppCloudSender(HttpClient http, IOptions<WhatsAppOptions> options, ILogger<WhatsAppCloudSender> logger) : IWhatsAppSender
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<SendResult> Upload(byte[] pdf, string fileName, CancellationToken cancellationToken)
    {
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent("application/pdf"), "type" },
            { file, "file", fileName },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, $"{PhonePath()}/media") { Content = form };

        // No key on an upload: a repeat only leaves an unused media object behind, which WhatsApp deletes after 30 days.
        var result = await ChannelHttp.SendAsync(http, request, async (response, ct) => response.IsSuccessStatusCode
            ? await ChannelHttp.ReadJsonAsync<MediaAnswer>(response, Json, ct) is { Id: { Length: > 0 } id }
                ? SendResult.Sent(id)
                : SendResult.Retryable($"{ChannelHttp.Status(response)}: the answer was not a media id")
            : await ReadErrorAsync(response, ct), cancellationToken);
        Log("Upload", fileName, result);
        return result;
    }

    public async Task<SendResult> Send(string to, StatementNotice notice, string mediaId, string fileName, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var message = settings.Mode == WhatsAppMode.Document
            ? new OutgoingMessage(to, "document", Document: new DocumentObject(mediaId, fileName, NoticeTexts.Caption(notice)))
            : new OutgoingMessage(to, "template", Template: new TemplateObject(
                notice.Correction is null ? settings.TemplateName : settings.CorrectionTemplateName, new Language(settings.TemplateLanguage),
            [
                new Component("header", [new Parameter("document", Document: new DocumentObject(mediaId, fileName))]),
                new Component("body", [new Parameter("text", NoticeTexts.MinimumDue(notice)), new Parameter("text", NoticeTexts.DueDate(notice))]),
            ]));
        var request = new HttpRequestMessage(HttpMethod.Post, $"{PhonePath()}/messages") { Content = JsonContent.Create(message, options: Json) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);

        var result = await ChannelHttp.SendAsync(http, request, async (response, ct) => response.IsSuccessStatusCode
            ? await ChannelHttp.ReadJsonAsync<MessagesAnswer>(response, Json, ct) is { Messages: [{ Id: { Length: > 0 } id }, ..] }
                ? SendResult.Sent(id)
                : SendResult.Unknown($"{ChannelHttp.Status(response)}: the answer was not a sent message")
            : await ReadErrorAsync(response, ct), cancellationToken);
        Log("Send", notice.StatementId.ToString(), result);
        return result;
    }

    string PhonePath()
    {
        var settings = options.Value;
        return $"{Uri.EscapeDataString(settings.Version)}/{Uri.EscapeDataString(settings.PhoneNumberId)}";
    }

    // Graph's codes for "temporarily unavailable" and throttling, whatever HTTP status carries them: 1 (unknown), 2 (service),
    // 4 (app rate limit), 80007 (account rate limit), 130429 (throughput), 131000 (something went wrong), 131048 (spam rate
    // limit), 131056 (pair rate limit), 133004 (server temporarily unavailable). Everything else in a 4xx is a definite no.
    static readonly HashSet<int> RetryableCodes = [1, 2, 4, 80007, 130429, 131000, 131048, 131056, 133004];

    static async Task<SendResult> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = (await ChannelHttp.ReadJsonAsync<GraphErrorBody>(response, Json, cancellationToken))?.Error;
        var described = error is { Code: > 0 }
            ? $"{error.Code}: {error.Message}{(error.ErrorData?.Details is { Length: > 0 } details ? $" ({details})" : "")}"
            : $"{ChannelHttp.Status(response)}: not a Graph error";
        return ChannelHttp.IsRetryable(response.StatusCode) || (error is not null && RetryableCodes.Contains(error.Code))
            ? SendResult.Retryable(described)
            : SendResult.Permanent(described);
    }

    void Log(string call, string subject, SendResult result) =>
        logger.Log(result.Status == SendStatus.Sent ? LogLevel.Debug : LogLevel.Warning,
            "WhatsApp {Call} for {Subject}: {Status} {ProviderMessageId} {Error}", call, subject, result.Status, result.ProviderMessageId, result.Error);

    // The request, in the Cloud API's snake_case; nulls left out, so a document message carries no template and vice versa.
    sealed record OutgoingMessage(string To, string Type, DocumentObject? Document = null, TemplateObject? Template = null)
    {
        public string MessagingProduct => "whatsapp";
        public string RecipientType => "individual";
    }

    sealed record DocumentObject(string Id, string Filename, string? Caption = null);

    sealed record TemplateObject(string Name, Language Language, IReadOnlyList<Component> Components);

    sealed record Language(string Code);

    sealed record Component(string Type, IReadOnlyList<Parameter> Parameters);

    sealed record Parameter(string Type, string? Text = null, DocumentObject? Document = null);

    sealed record MediaAnswer(string? Id);

    sealed record MessagesAnswer(IReadOnlyList<MessageId>? Messages);

    sealed record MessageId(string? Id);

    sealed record GraphErrorBody(GraphError? Error);

    sealed record GraphError(string? Message, string? Type, int Code, GraphErrorData? ErrorData);

    sealed record GraphErrorData(string? Details);
}

using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Billing.Features.Notifications;

/// <summary>
/// Statement SMS through Twilio's Messages API: a form-encoded <c>POST 2010-04-01/Accounts/{AccountSid}/Messages.json</c>
/// with basic auth set on the typed client. The idempotency key goes in <c>I-Twilio-Idempotency-Token</c>: the stand-in
/// answers a repeat with the first message; Twilio's REST API ignores it (Twilio has no idempotency, so against Twilio a
/// retry after a timeout may send a second SMS).
/// </summary>
sealed class TwilioSmsSender(HttpClient http, IOptions<SmsOptions> options, ILogger<TwilioSmsSender> logger) : ISmsSender
{
    public const string IdempotencyHeader = "I-Twilio-Idempotency-Token";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<SendResult> Send(string to, StatementNotice notice, string idempotencyKey, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var form = new List<KeyValuePair<string, string>> { new("To", to), new("Body", NoticeTexts.Sms(notice)) };
        // A messaging service chooses the sender itself; Twilio refuses neither, but one is enough.
        form.Add(string.IsNullOrWhiteSpace(settings.MessagingServiceSid) ? new("From", settings.From!) : new("MessagingServiceSid", settings.MessagingServiceSid));

        var request = new HttpRequestMessage(HttpMethod.Post, $"2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid)}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Add(IdempotencyHeader, idempotencyKey);

        var result = await ChannelHttp.SendAsync(http, request, ReadAnswerAsync, cancellationToken);
        logger.Log(result.Status == SendStatus.Sent ? LogLevel.Debug : LogLevel.Warning,
            "SMS for statement {StatementId}: {Status} {ProviderMessageId} {Error}", notice.StatementId, result.Status, result.ProviderMessageId, result.Error);
        return result;
    }

    static async Task<SendResult> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return await ChannelHttp.ReadJsonAsync<TwilioMessage>(response, Json, cancellationToken) is { Sid: { Length: > 0 } sid }
                ? SendResult.Sent(sid)
                // Accepted, but not in Twilio's words: it may be sent, and a repeat under the token is safe.
                : SendResult.Retryable($"{ChannelHttp.Status(response)}: the answer was not a Twilio message");

        var error = await ChannelHttp.ReadJsonAsync<TwilioError>(response, Json, cancellationToken);
        var described = error is { Code: > 0 } ? $"{error.Code}: {error.Message}" : $"{ChannelHttp.Status(response)}: not a Twilio error";
        return ChannelHttp.IsRetryable(response.StatusCode) ? SendResult.Retryable(described) : SendResult.Permanent(described);
    }

    sealed record TwilioMessage(string? Sid, string? Status);

    /// <summary>Twilio's error body: <c>{"code","message","more_info","status"}</c>.</summary>
    sealed record TwilioError(int Code, string? Message, string? MoreInfo, int Status);
}

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

    // Pages of Twilio's list read before giving up the search: a holder's number gets few messages from us in a day.
    const int MaxLookupPages = 5;

    public async Task<SendResult?> Find(string to, StatementNotice notice, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = NoticeTexts.Sms(notice);
        var query = new Dictionary<string, string?>
        {
            ["To"] = to,
            // From a day earlier: Twilio compares whole UTC days, and our clock and Twilio's may sit either side of midnight.
            ["DateSent>"] = since.UtcDateTime.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["PageSize"] = "50",
        };
        // A messaging service picks the number itself, so the From is only known without one.
        if (string.IsNullOrWhiteSpace(settings.MessagingServiceSid))
            query["From"] = settings.From;
        var next = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(
            $"2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid)}/Messages.json", query);

        for (var page = 0; page < MaxLookupPages && next is not null; page++)
        {
            MessagePage? found = null;
            var answer = await ChannelHttp.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, next), async (response, ct) =>
            {
                if (!response.IsSuccessStatusCode)
                    return SendResult.Retryable($"lookup {ChannelHttp.Status(response)}");
                found = await ChannelHttp.ReadJsonAsync<MessagePage>(response, Json, ct);
                return found is { Messages: not null } ? SendResult.Sent("") : SendResult.Retryable("lookup: the answer was not a Twilio message list");
            }, cancellationToken);
            if (answer.Status != SendStatus.Sent)
            {
                // The lookup's own failure says nothing about the message: try again later, send nothing now.
                logger.LogWarning("SMS lookup for statement {StatementId} failed: {Error}", notice.StatementId, answer.Error);
                return SendResult.Unknown($"lookup: {answer.Error}");
            }

            if (found!.Messages!.FirstOrDefault(m => m.Body == body && m.Status is not ("failed" or "undelivered" or "canceled")) is { Sid: { Length: > 0 } sid })
            {
                logger.LogInformation("SMS for statement {StatementId} found at the provider after an unknown outcome: {Sid}", notice.StatementId, sid);
                return SendResult.Sent(sid);
            }

            // Twilio's next_page_uri is a path from the API root; ours are relative to BaseUrl.
            next = found.NextPageUri is { Length: > 0 } uri ? uri.TrimStart('/') : null;
        }

        return null;
    }

    static async Task<SendResult> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return await ChannelHttp.ReadJsonAsync<TwilioMessage>(response, Json, cancellationToken) is { Sid: { Length: > 0 } sid }
                ? SendResult.Sent(sid)
                // Accepted, but not in Twilio's words: it may be sent.
                : SendResult.Unknown($"{ChannelHttp.Status(response)}: the answer was not a Twilio message");

        var error = await ChannelHttp.ReadJsonAsync<TwilioError>(response, Json, cancellationToken);
        var described = error is { Code: > 0 } ? $"{error.Code}: {error.Message}" : $"{ChannelHttp.Status(response)}: not a Twilio error";
        // A 5xx in Twilio's words is Twilio's "not sent"; one without (a proxy's 502 or 504) may hide an accepted message.
        return !ChannelHttp.IsRetryable(response.StatusCode) ? SendResult.Permanent(described)
            : error is { Code: > 0 } ? SendResult.Retryable(described)
            : SendResult.Unknown(described);
    }

    sealed record TwilioMessage(string? Sid, string? Status, string? Body = null);

    /// <summary>One page of Twilio's message list (v2010: the messages and <c>next_page_uri</c>).</summary>
    sealed record MessagePage(IReadOnlyList<TwilioMessage>? Messages, string? NextPageUri);

    /// <summary>Twilio's error body: <c>{"code","message","more_info","status"}</c>.</summary>
    sealed record TwilioError(int Code, string? Message, string? MoreInfo, int Status);
}

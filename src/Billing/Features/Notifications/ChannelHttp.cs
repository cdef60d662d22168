using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Features.Notifications;

/// <summary>
/// One call to a messaging provider, its transport failures turned into <see cref="SendResult"/>s: a refused connection,
/// a broken answer and a timeout are all Retryable (the provider may have taken the message; a repeat under the same
/// idempotency key is answered the first message). Only the caller's cancellation throws. Nothing here retries.
/// </summary>
static class ChannelHttp
{
    public static async Task<SendResult> SendAsync(
        HttpClient http,
        HttpRequestMessage request,
        Func<HttpResponseMessage, CancellationToken, Task<SendResult>> read,
        CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                // The default completion buffers the body, so HttpClient.Timeout covers reading the answer too.
                using var response = await http.SendAsync(request, cancellationToken);
                return await read(response, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not the caller's token, so HttpClient.Timeout ran out: the provider may have taken the message.
                return SendResult.Unknown($"timeout: no answer within {http.Timeout.TotalSeconds:0.###} s");
            }
            catch (HttpRequestException e)
            {
                // Refused before the request left: not sent. Lost after it left: perhaps sent.
                return e.HttpRequestError == HttpRequestError.ConnectionError
                    ? SendResult.Retryable($"connection_failed: {e.Message}")
                    : SendResult.Unknown($"connection_lost: {e.Message}");
            }
        }
    }

    /// <summary>Statuses that say "not now" rather than "no": the provider is failing, overloaded, or timed out itself.</summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>The body as <typeparamref name="T"/>, or null when it is empty or not that JSON (a proxy's HTML page, say).</summary>
    public static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, JsonSerializerOptions json, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(json, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Status(HttpResponseMessage response) => $"http_{(int)response.StatusCode}";
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Features.Refunds.Providers;

/// <summary>
/// One call to a provider over HTTP, its transport failures turned into outcomes: a request that never reached the
/// provider is Unavailable, one that may have reached it but got no answer is Unknown. Nothing here retries: the
/// caller retries with the same idempotency key, on its own schedule.
/// </summary>
internal static class ProviderHttp
{
    public static async Task<ProviderResult> SendAsync(
        HttpClient http,
        HttpRequestMessage request,
        Func<HttpResponseMessage, CancellationToken, Task<ProviderResult>> read,
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
                // Not the caller's token, so HttpClient.Timeout ran out: the provider may have acted on the request.
                return new(ProviderOutcome.Unknown, Code: "timeout", Message: $"No answer within {http.Timeout.TotalSeconds:0.###} s.");
            }
            catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError
                or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError)
            {
                return new(ProviderOutcome.Unavailable, Code: "connection_failed", Message: e.Message);
            }
            catch (HttpRequestException e)
            {
                // Connected, then the answer broke off: the request may have been processed.
                return new(ProviderOutcome.Unknown, Code: "connection_lost", Message: e.Message);
            }
        }
    }

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

    /// <summary>
    /// Statuses that say nothing was done and a later try may work: the provider is overloaded or failing, or it did not
    /// accept our credentials (fixing the configuration lets the retry through; declining the refund for good would not).
    /// </summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || (int)status >= 500;

    public static string StatusCode(HttpResponseMessage response) => $"http_{(int)response.StatusCode}";

    public static ProviderResult Logged(this ProviderResult result, ILogger logger, string method, string call, Guid refundId)
    {
        // One line per call would drown the log at hundreds of refunds a second: only what someone may act on is above Debug.
        var level = result.Outcome switch
        {
            ProviderOutcome.Unavailable or ProviderOutcome.Unknown => LogLevel.Warning,
            ProviderOutcome.Declined => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "{Method} {Call} of refund {RefundId}: {Outcome} {Code} {ProviderMessage}",
            method, call, refundId, result.Outcome, result.Code, result.Message);
        return result;
    }
}

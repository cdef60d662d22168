using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.Cards;

/// <summary>Where the card stand-in sends Stripe-shaped webhooks, and the secret it signs them with.</summary>
public sealed record WebhookTarget(string? Url, string? Secret);

/// <summary>
/// Stripe's webhooks, the part a refund service needs: a refund that fails after it succeeded is announced as
/// <c>refund.failed</c>, signed as Stripe signs (<c>Stripe-Signature: t=…,v1=HMAC-SHA256("{t}.{body}")</c>), to the URL
/// set by <c>StandIn:Webhooks:Url</c>/<c>Secret</c> or <c>PUT /control/webhooks/card</c>. Not retried: a test reads
/// what was delivered from the service.
/// </summary>
public sealed class CardWebhooks(IOptions<StandInOptions> options, TimeProvider clock, ILogger<CardWebhooks> logger)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    WebhookTarget _target = new(options.Value.Webhooks.Url, options.Value.Webhooks.Secret);

    public WebhookTarget Target
    {
        get => Volatile.Read(ref _target);
        set => Volatile.Write(ref _target, value);
    }

    public async Task SendAsync(string type, StripeRefund refund)
    {
        if (Target is not { Url: { Length: > 0 } url, Secret: { Length: > 0 } secret })
            return;
        var now = clock.GetUtcNow();
        var body = JsonSerializer.Serialize(new
        {
            id = $"evt_{Guid.NewGuid():N}"[..28],
            @object = "event",
            type,
            created = now.ToUnixTimeSeconds(),
            data = new { @object = refund },
        }, CardAnswer.Json);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", $"t={timestamp},v1={signature}");
        try
        {
            using var response = await Http.SendAsync(request);
            logger.LogInformation("Webhook {Type} for {RefundId} answered {Status}", type, refund.Id, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Webhook {Type} for {RefundId} not delivered: {Error}", type, refund.Id, e.Message);
        }
    }
}

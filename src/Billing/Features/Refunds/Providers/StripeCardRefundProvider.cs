using System.Globalization;
using System.Net;
using System.Text.Json;
using Billing.Contracts.Money;

namespace Billing.Features.Refunds.Providers;

/// <summary>
/// Card refunds through Stripe's refunds API: a form-encoded <c>POST /v1/refunds</c> under
/// <c>Idempotency-Key: {RefundId}</c>, so a retry is answered from Stripe's record instead of refunding again.
/// </summary>
public sealed class StripeCardRefundProvider(HttpClient http, ILogger<StripeCardRefundProvider> logger) : IRefundProvider, IRefundLedger
{
    public const string MethodName = "card";

    // Stripe's cap on a metadata value, and its largest list page.
    const int MaxMetadataValue = 500;
    const int PageSize = 100;

    // The only reasons Stripe accepts as a parameter; any other reason travels in metadata rather than failing the refund.
    static readonly HashSet<string> StripeReasons = new(["duplicate", "fraudulent", "requested_by_customer"], StringComparer.Ordinal);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Method => MethodName;

    /// <summary>Every key's refund carries <c>metadata[refund_id]</c>, so one list by payment intent finds them all.</summary>
    public bool OneLookupFindsEveryKey => true;

    /// <exception cref="ArgumentException">The currency is unknown or the amount has more decimals than it allows.</exception>
    public async Task<ProviderResult> RefundAsync(RefundOrder order, CancellationToken cancellationToken)
    {
        var form = Form(order);
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/refunds") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("Idempotency-Key", order.IdempotencyKey);

        var result = await ProviderHttp.SendAsync(http, request, ReadRefundAnswerAsync, cancellationToken);
        return result.Logged(logger, MethodName, "refund", order.RefundId);
    }

    /// <summary>
    /// Lists the payment intent's refunds and picks ours by <c>metadata[refund_id]</c>. Listing pays nothing and works
    /// against Stripe itself (the stand-in's by-idempotency-key lookup does not exist there).
    /// </summary>
    public async Task<ProviderResult> LookupAsync(RefundOrder order, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get,
            $"v1/refunds?payment_intent={Uri.EscapeDataString(order.PaymentId)}&limit={PageSize}");
        var refundId = order.RefundId.ToString();

        var result = await ProviderHttp.SendAsync(http, request, (response, ct) => ReadLookupAnswerAsync(response, refundId, ct), cancellationToken);
        return result.Logged(logger, MethodName, "lookup", order.RefundId);
    }

    /// <summary>Stripe's list of every refund created since <paramref name="createdFrom"/>, one page (auto-paging is the caller's).</summary>
    public async Task<ProviderRefundPage> ListRefundsAsync(DateTimeOffset createdFrom, string? startingAfter, int limit, CancellationToken cancellationToken)
    {
        var url = $"v1/refunds?limit={Math.Clamp(limit, 1, PageSize)}&created%5Bgte%5D={createdFrom.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}"
                  + (startingAfter is null ? "" : $"&starting_after={Uri.EscapeDataString(startingAfter)}");
        ProviderRefundPage? page = null;
        var result = await ProviderHttp.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, url), async (response, ct) =>
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = (await ProviderHttp.ReadJsonAsync<StripeErrorBody>(response, Json, ct))?.Error;
                return new(ProviderHttp.IsTransient(response.StatusCode) ? ProviderOutcome.Unavailable : ProviderOutcome.Unknown,
                    Code: error?.Code ?? error?.Type ?? ProviderHttp.StatusCode(response), Message: error?.Message);
            }
            if (await ProviderHttp.ReadJsonAsync<StripeList>(response, Json, ct) is not { Data: { } data } list
                || data.Any(r => r.Id is null || r.Amount is null || r.Currency is null || !Currencies.IsKnown(r.Currency.ToUpperInvariant())))
                return new(ProviderOutcome.Unknown, Code: ProviderHttp.StatusCode(response), Message: "The answer was not a Stripe list of refunds.");
            page = new ProviderRefundPage(data.Select(r => new ProviderRefund(r.Id!, r.PaymentIntent, r.Metadata?.GetValueOrDefault("refund_id"),
                Currencies.FromMinorUnits(r.Amount!.Value, r.Currency!.ToUpperInvariant()), r.Currency!.ToUpperInvariant(), r.Status ?? "",
                DateTimeOffset.FromUnixTimeSeconds(r.Created))).ToList(), list.HasMore);
            return new(ProviderOutcome.Paid);
        }, cancellationToken);
        if (page is not null)
            return page;
        logger.LogWarning("{Method} list of refunds since {CreatedFrom}: {Outcome} {Code} {ProviderMessage}", MethodName, createdFrom, result.Outcome,
            result.Code, result.Message);
        return new ProviderRefundPage([], false, result);
    }

    static List<KeyValuePair<string, string>> Form(RefundOrder order)
    {
        // Every value derives from the order, so a retry sends the same parameters: Stripe refuses a key reused with others.
        var form = new List<KeyValuePair<string, string>>
        {
            new("payment_intent", order.PaymentId),
            new("amount", Currencies.ToMinorUnits(order.Amount, order.Currency).ToString(CultureInfo.InvariantCulture)),
            new("currency", order.Currency.ToLowerInvariant()),
            new("metadata[refund_id]", order.RefundId.ToString()),
        };
        if (order.Reason is { } reason && StripeReasons.Contains(reason))
            form.Add(new("reason", reason));
        else if (!string.IsNullOrWhiteSpace(order.Reason))
            form.Add(new("metadata[reason]", order.Reason.Length > MaxMetadataValue ? order.Reason[..MaxMetadataValue] : order.Reason));
        return form;
    }

    static async Task<ProviderResult> ReadRefundAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return await ProviderHttp.ReadJsonAsync<StripeRefund>(response, Json, cancellationToken) is { Id: not null } refund
                ? FromRefund(refund)
                : new(ProviderOutcome.Unknown, Code: ProviderHttp.StatusCode(response), Message: "The answer was not a Stripe refund.");

        var error = (await ProviderHttp.ReadJsonAsync<StripeErrorBody>(response, Json, cancellationToken))?.Error;
        var code = error?.Code ?? error?.Type ?? ProviderHttp.StatusCode(response);
        // Stripe saves a 5xx under its key (the request had begun executing) and replays it for 24 h: the key is spent, and
        // the next attempt must look up and then use a fresh one. A replayed 5xx says nothing about what happened: unknown.
        if ((int)response.StatusCode >= 500)
            return new(IsReplay(response) ? ProviderOutcome.Unknown : ProviderOutcome.Unavailable, Code: code, Message: error?.Message, KeySpent: true);
        var outcome = response.StatusCode switch
        {
            // Same key, other parameters: whatever happened under the key stands, and it may have paid. Look it up.
            HttpStatusCode.BadRequest when error?.Type == "idempotency_error" => ProviderOutcome.Unknown,
            // Another request with this key is still running at Stripe (idempotency_key_in_use); it may pay.
            HttpStatusCode.Conflict => ProviderOutcome.Unknown,
            var status when ProviderHttp.IsTransient(status) => ProviderOutcome.Unavailable,
            // A 4xx in Stripe's shape is Stripe's definite no (charge_already_refunded, card_declined, resource_missing...).
            // Without that shape it is not Stripe speaking (a proxy, a wrong BaseUrl), so not a reason to give up.
            _ when error is not null && (int)response.StatusCode is >= 400 and < 500 => ProviderOutcome.Declined,
            _ when (int)response.StatusCode >= 400 => ProviderOutcome.Unavailable,
            _ => ProviderOutcome.Unknown,
        };
        return new(outcome, Code: code, Message: error?.Message);
    }

    static async Task<ProviderResult> ReadLookupAnswerAsync(HttpResponseMessage response, string refundId, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            if (await ProviderHttp.ReadJsonAsync<StripeList>(response, Json, cancellationToken) is not { Data: { } refunds } list)
                return new(ProviderOutcome.Unknown, Code: ProviderHttp.StatusCode(response), Message: "The answer was not a Stripe list.");

            var ours = refunds.Where(r => r.Metadata?.GetValueOrDefault("refund_id") == refundId).ToList();
            if (ours.Count == 0)
                return list.HasMore
                    ? new(ProviderOutcome.Unknown, Code: "too_many_refunds", Message: $"The payment intent has more than {PageSize} refunds.")
                    : new(ProviderOutcome.NotFound);
            // One key makes one refund, but a refund can have had several keys (after a decline or a 5xx): two succeeded
            // refunds for one refund of ours is the paid-twice alarm, and the caller is told both.
            var succeeded = ours.Where(r => r.Status == "succeeded").ToList();
            if (succeeded.Count > 0)
                return new(ProviderOutcome.Paid, succeeded[^1].Id, OtherProviderRefundId: succeeded.Count > 1 ? succeeded[^2].Id : null);
            // A refund still pending may yet pay: that decides over one that failed under an earlier key.
            return FromRefund(ours.Find(r => r.Status is not ("failed" or "canceled")) ?? ours[0]);
        }

        var error = (await ProviderHttp.ReadJsonAsync<StripeErrorBody>(response, Json, cancellationToken))?.Error;
        var code = error?.Code ?? error?.Type ?? ProviderHttp.StatusCode(response);
        var outcome = response.StatusCode switch
        {
            // No such payment intent: then it has no refunds either.
            HttpStatusCode.NotFound when error?.Code == "resource_missing" => ProviderOutcome.NotFound,
            var status when ProviderHttp.IsTransient(status) => ProviderOutcome.Unavailable,
            _ => ProviderOutcome.Unknown,
        };
        return new(outcome, Code: code, Message: error?.Message);
    }

    static ProviderResult FromRefund(StripeRefund refund) => refund.Status switch
    {
        "succeeded" => new(ProviderOutcome.Paid, refund.Id),
        "failed" or "canceled" => new(ProviderOutcome.Declined, refund.Id, refund.FailureReason ?? refund.Status,
            $"Stripe reports the refund {refund.Status}."),
        // pending, requires_action: Stripe has the refund but has not settled it; a later lookup tells.
        _ => new(ProviderOutcome.Unknown, refund.Id, refund.Status, "Stripe has not settled the refund yet."),
    };

    static bool IsReplay(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true", StringComparer.OrdinalIgnoreCase);

    sealed record StripeRefund(string? Id, string? Status, string? FailureReason, Dictionary<string, string>? Metadata, long? Amount = null,
        string? Currency = null, string? PaymentIntent = null, long Created = 0);

    sealed record StripeList(List<StripeRefund>? Data, bool HasMore);

    sealed record StripeErrorBody(StripeError? Error);

    sealed record StripeError(string? Type, string? Code, string? Message);
}

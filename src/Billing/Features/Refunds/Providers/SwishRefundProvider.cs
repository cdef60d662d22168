using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Contracts.Money;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Providers;

/// <summary>
/// Swish refunds: <c>PUT /swish-cpcapi/api/v2/refunds/{instructionUUID}</c>, where the instruction UUID is derived from
/// the RefundId and is Swish's idempotency key and the refund's id. Swish settles a refund after accepting it (CREATED,
/// DEBITED, then PAID or ERROR), so an accepted refund is read back before it counts as paid.
/// </summary>
public sealed class SwishRefundProvider(HttpClient http, IOptions<SwishOptions> options, ILogger<SwishRefundProvider> logger) : IRefundProvider
{
    public const string MethodName = "swish";

    // Marks a 201 until the refund's status is read back; never returned to the caller.
    const string Accepted = "accepted";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Method => MethodName;

    /// <summary>The instruction UUID Swish expects: 32 upper-case hexadecimal characters.</summary>
    public static string InstructionId(Guid refundId) => refundId.ToString("N").ToUpperInvariant();

    /// <exception cref="ArgumentException">The currency is unknown or the amount has more decimals than it allows.</exception>
    public async Task<ProviderResult> RefundAsync(RefundOrder order, CancellationToken cancellationToken)
    {
        if (!Currencies.FitsMinorUnits(order.Amount, order.Currency))
            throw new ArgumentException($"{order.Amount} has more decimals than {order.Currency} allows.", nameof(order));

        var id = InstructionId(order.KeyId);
        var settings = options.Value;
        // Every field derives from the order and the settings, so a retry sends the same body: Swish refuses an
        // instruction UUID reused with another. Currencies other than SEK are Swish's to refuse (AM03).
        var body = new SwishRefundRequest(
            OriginalPaymentReference: order.PaymentId,
            CallbackUrl: settings.CallbackUrl,
            PayerAlias: settings.PayerAlias,
            Amount: order.Amount.ToString("0.00", CultureInfo.InvariantCulture),
            Currency: order.Currency,
            Message: SwishMessage.From(order.Reason),
            PayerPaymentReference: order.RefundId.ToString("N"));
        var request = new HttpRequestMessage(HttpMethod.Put, $"swish-cpcapi/api/v2/refunds/{id}") { Content = JsonContent.Create(body, options: Json) };

        var result = await ProviderHttp.SendAsync(http, request, ReadCreateAnswerAsync, cancellationToken);
        if (result is { Outcome: ProviderOutcome.Unknown, Code: Accepted })
        {
            var status = await ReadRefundAsync(id, cancellationToken);
            result = status.Outcome is ProviderOutcome.Paid or ProviderOutcome.Declined
                ? status
                : new(ProviderOutcome.Unknown, id, status.Code ?? Accepted, "Swish accepted the refund; its outcome is not known yet.");
        }
        return result.Logged(logger, MethodName, "refund", order.RefundId);
    }

    public async Task<ProviderResult> LookupAsync(RefundOrder order, CancellationToken cancellationToken) =>
        (await ReadRefundAsync(InstructionId(order.KeyId), cancellationToken)).Logged(logger, MethodName, "lookup", order.RefundId);

    Task<ProviderResult> ReadRefundAsync(string id, CancellationToken cancellationToken) =>
        ProviderHttp.SendAsync(http, new HttpRequestMessage(HttpMethod.Get, $"swish-cpcapi/api/v1/refunds/{id}"), ReadLookupAnswerAsync, cancellationToken);

    static async Task<ProviderResult> ReadCreateAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return new(ProviderOutcome.Unknown, Code: Accepted);

        var errors = await ProviderHttp.ReadJsonAsync<List<SwishError>>(response, Json, cancellationToken);
        var first = errors?.FirstOrDefault(e => e.ErrorCode is not null);
        var code = first?.ErrorCode ?? ProviderHttp.StatusCode(response);
        var message = errors is { Count: > 0 } ? string.Join(" ", errors.Select(e => e.ErrorMessage)) : null;
        var outcome = response.StatusCode switch
        {
            // The instruction UUID is taken by another body: whatever happened under it stands, and it may have paid.
            HttpStatusCode.Conflict => ProviderOutcome.Unknown,
            var status when ProviderHttp.IsTransient(status) => ProviderOutcome.Unavailable,
            // A 400/422 error list is Swish refusing this request for good (RF07 declined, AM03 currency, PA02 amount...).
            // Without a list it is not Swish speaking (a proxy, a wrong BaseUrl), so not a reason to give up.
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity when first is not null => ProviderOutcome.Declined,
            var status when (int)status >= 400 => ProviderOutcome.Unavailable,
            _ => ProviderOutcome.Unknown,
        };
        return new(outcome, Code: code, Message: message);
    }

    static async Task<ProviderResult> ReadLookupAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
            return new(ProviderOutcome.NotFound);
        if (!response.IsSuccessStatusCode)
            return new(ProviderHttp.IsTransient(response.StatusCode) ? ProviderOutcome.Unavailable : ProviderOutcome.Unknown,
                Code: ProviderHttp.StatusCode(response));

        return await ProviderHttp.ReadJsonAsync<SwishRefund>(response, Json, cancellationToken) switch
        {
            { Id: { } id, Status: "PAID" } => new(ProviderOutcome.Paid, id),
            { Id: { } id, Status: "ERROR" } refund => new(ProviderOutcome.Declined, id, refund.ErrorCode ?? "ERROR", refund.ErrorMessage),
            // CREATED, DEBITED: taken from the payer's account or about to be, not yet paid out; a later lookup tells.
            { Id: { } id, Status: { } status } => new(ProviderOutcome.Unknown, id, status, "Swish has not settled the refund yet."),
            _ => new(ProviderOutcome.Unknown, Code: ProviderHttp.StatusCode(response), Message: "The answer was not a Swish refund."),
        };
    }

    sealed record SwishRefundRequest(
        string OriginalPaymentReference,
        string CallbackUrl,
        string PayerAlias,
        string Amount,
        string Currency,
        string? Message,
        string PayerPaymentReference);

    sealed record SwishRefund(string? Id, string? Status, string? ErrorCode, string? ErrorMessage);

    sealed record SwishError(string? ErrorCode, string? ErrorMessage);
}

using Billing.Contracts.Money;

namespace Billing.Features.Refunds;

/// <summary>The shape rules of a refund request, shared by the HTTP intake and the RequestRefund message.</summary>
public static class RefundRequestRules
{
    public const int MaxIdempotencyKeyLength = 255;
    public const int MaxPaymentIdLength = 100;
    public const int MaxReasonLength = 500;

    /// <summary>Field name → what is wrong with it; empty when the request is well formed.</summary>
    public static Dictionary<string, string[]> Problems(string? idempotencyKey, string? paymentId, decimal? amount,
        string? currency, string? method, string? reason, IReadOnlyCollection<string> methods)
    {
        var problems = new Dictionary<string, string[]>();

        if (string.IsNullOrWhiteSpace(idempotencyKey))
            problems["Idempotency-Key"] = ["The Idempotency-Key header is required: retry with the same key to get the same refund."];
        else if (idempotencyKey.Length > MaxIdempotencyKeyLength)
            problems["Idempotency-Key"] = [$"At most {MaxIdempotencyKeyLength} characters."];

        if (string.IsNullOrWhiteSpace(paymentId))
            problems["paymentId"] = ["Required."];
        else if (paymentId.Length > MaxPaymentIdLength)
            problems["paymentId"] = [$"At most {MaxPaymentIdLength} characters."];

        if (!Currencies.IsKnown(currency))
            problems["currency"] = [$"Unknown currency '{currency}'. Known: {string.Join(", ", Currencies.Known.Order())}."];

        if (amount is not { } value)
            problems["amount"] = ["Required."];
        else if (value <= 0)
            problems["amount"] = ["Must be more than zero."];
        else if (Currencies.IsKnown(currency) && !Currencies.FitsMinorUnits(value, currency!))
            problems["amount"] = [$"{currency} has {Currencies.MinorUnitsOf(currency!)} decimal(s); {value} has more."];
        else if (value > 1_000_000_000m)
            problems["amount"] = ["Too large."];

        if (string.IsNullOrWhiteSpace(method) || !methods.Contains(method))
            problems["method"] = [$"Unknown payment method '{method}'. Known: {string.Join(", ", methods.Order())}."];

        if (reason is { Length: > MaxReasonLength })
            problems["reason"] = [$"At most {MaxReasonLength} characters."];

        return problems;
    }
}

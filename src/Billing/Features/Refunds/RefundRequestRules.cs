using Billing.Contracts.Money;

namespace Billing.Features.Refunds;

/// <summary>The shape rules of a refund request, shared by the HTTP intake and the RequestRefund message.</summary>
public static class RefundRequestRules
{
    public const int MaxIdempotencyKeyLength = 255;
    public const int MaxPaymentIdLength = 100;
    public const int MaxReasonLength = 500;
    public const int MaxRequestedByLength = 100;
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>
    /// Key prefixes the service uses for refunds it asks for itself (billing's excess refunds, <c>excess:{payment}</c>).
    /// Another caller's request under such a key would take the place of billing's own, and its outcome would be booked
    /// as billing's: refused at the HTTP intake.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedKeyPrefixes = ["excess:"];

    /// <summary>Why an outside caller may not use this key, or null.</summary>
    public static string? ReservedKeyProblem(string? idempotencyKey) =>
        ReservedKeyPrefixes.FirstOrDefault(p => idempotencyKey?.StartsWith(p, StringComparison.OrdinalIgnoreCase) == true) is { } prefix
            ? $"Keys beginning with '{prefix}' are reserved for the refunds billing asks for itself; use a key of your own."
            : null;

    /// <summary>Field name → what is wrong with it; empty when the request is well formed.</summary>
    public static Dictionary<string, string[]> Problems(string? idempotencyKey, string? paymentId, decimal? amount,
        string? currency, string? method, string? reason, string? requestedBy, IReadOnlyCollection<string> methods)
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
        else if (value > MaxAmount)
            problems["amount"] = [$"At most {MaxAmount:0}."];
        else if (Currencies.IsKnown(currency) && !Currencies.FitsMinorUnits(value, currency!))
            problems["amount"] = [$"{currency} has {Currencies.MinorUnitsOf(currency!)} decimal(s); {value} has more."];

        if (string.IsNullOrWhiteSpace(method) || !methods.Contains(method))
            problems["method"] = [$"Unknown payment method '{method}'. Known: {string.Join(", ", methods.Order())}."];
        else if (!problems.ContainsKey("amount") && !problems.ContainsKey("currency"))
            foreach (var (field, problem) in ProviderLimits.Problems(method, amount!.Value, currency!))
                problems[field] = [problem];

        if (requestedBy is { Length: > MaxRequestedByLength })
            problems["requestedBy"] = [$"The caller's name is at most {MaxRequestedByLength} characters."];

        if (reason is { Length: > MaxReasonLength })
            problems["reason"] = [$"At most {MaxReasonLength} characters."];

        return problems;
    }
}

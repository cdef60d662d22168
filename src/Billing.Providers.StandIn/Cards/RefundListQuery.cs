using System.Globalization;

namespace Billing.Providers.StandIn.Cards;

/// <summary>
/// <c>GET /v1/refunds</c>'s parameters as Stripe reads them: <c>payment_intent</c>, <c>charge</c>, <c>limit</c> (1–100,
/// default 10), <c>starting_after</c>, and <c>created</c> as an exact Unix time or <c>created[gt|gte|lt|lte]</c>.
/// </summary>
public sealed record RefundListQuery(string? PaymentIntent, string? Charge, int Limit, string? StartingAfter,
    long? CreatedGt, long? CreatedGte, long? CreatedLt, long? CreatedLte)
{
    public const int MaxLimit = 100;

    public bool CreatedMatches(StripeRefund refund) =>
        (CreatedGt is not { } gt || refund.Created > gt) && (CreatedGte is not { } gte || refund.Created >= gte)
        && (CreatedLt is not { } lt || refund.Created < lt) && (CreatedLte is not { } lte || refund.Created <= lte);

    /// <summary>The query, or Stripe's 400 naming the parameter it cannot read.</summary>
    public static (RefundListQuery? Query, CardAnswer? Error) Parse(IQueryCollection query)
    {
        var limit = 10;
        if (Text(query, "limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            return (null, StripeErrors.Invalid("limit", "parameter_invalid_integer", $"Invalid limit: must be an integer between 1 and {MaxLimit}."));

        var bounds = new long?[4];
        string[] names = ["created[gt]", "created[gte]", "created[lt]", "created[lte]"];
        for (var i = 0; i < names.Length; i++)
        {
            if (Text(query, names[i]) is not { } text)
                continue;
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
                return (null, StripeErrors.Invalid(names[i], "parameter_invalid_integer", $"Invalid integer: {text}"));
            bounds[i] = seconds;
        }
        if (Text(query, "created") is { } exact)
        {
            if (!long.TryParse(exact, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at))
                return (null, StripeErrors.Invalid("created", "parameter_invalid_integer", $"Invalid integer: {exact}"));
            (bounds[1], bounds[3]) = (at, at);
        }

        return (new RefundListQuery(Text(query, "payment_intent"), Text(query, "charge"), limit, Text(query, "starting_after"),
            bounds[0], bounds[1], bounds[2], bounds[3]), null);
    }

    static string? Text(IQueryCollection query, string name) => query[name].ToString() is { Length: > 0 } value ? value : null;
}

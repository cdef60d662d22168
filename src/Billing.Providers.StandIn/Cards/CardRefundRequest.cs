using System.Globalization;
using System.Text.RegularExpressions;

namespace Billing.Providers.StandIn.Cards;

/// <summary>A validated, form-encoded <c>POST /v1/refunds</c>.</summary>
/// <param name="Amount">Minor units. Stripe defaults a missing amount to the whole charge; the stand-in knows no charges, so it is required.</param>
/// <param name="Currency">Lower-case ISO code, or null: then the payment intent's own currency, as at Stripe.</param>
public sealed partial record CardRefundRequest(
    string? PaymentIntent,
    string? Charge,
    long Amount,
    string? Currency,
    string? Reason,
    IReadOnlyDictionary<string, string> Metadata)
{
    // Stripe's own cap on amounts (eight digits of minor units).
    const long MaxAmount = 99_999_999;
    static readonly string[] Reasons = ["duplicate", "fraudulent", "requested_by_customer"];
    static readonly HashSet<string> KnownParams = ["payment_intent", "charge", "amount", "currency", "reason"];

    /// <summary>What "the same request" means for an idempotency key: every parameter, in a fixed order.</summary>
    public string Fingerprint =>
        string.Join('|', PaymentIntent, Charge, Amount, Currency, Reason,
            string.Join(',', Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")));

    public static (CardRefundRequest? Request, CardAnswer? Error) Parse(IFormCollection form)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in form)
        {
            if (MetadataKey().Match(name) is { Success: true } m)
                metadata[m.Groups[1].Value] = value.ToString();
            else if (!KnownParams.Contains(name) && !name.StartsWith("expand[", StringComparison.Ordinal))
                return (null, StripeErrors.Invalid(name, "parameter_unknown", $"Received unknown parameter: {name}"));
        }

        var paymentIntent = Value(form, "payment_intent");
        var charge = Value(form, "charge");
        if (paymentIntent is null && charge is null)
            return (null, StripeErrors.Missing("payment_intent"));

        if (Value(form, "amount") is not { } amountText)
            return (null, StripeErrors.Missing("amount"));
        if (!long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
            return (null, StripeErrors.Invalid("amount", "parameter_invalid_integer",
                $"Invalid positive integer: '{amountText}'. Amounts are whole minor units (cents, öre)."));
        if (amount > MaxAmount)
            return (null, StripeErrors.Invalid("amount", "amount_too_large", $"Amount must be at most {MaxAmount}."));

        var currency = Value(form, "currency");
        if (currency is not null && !LowerCaseIsoCode().IsMatch(currency))
            return (null, StripeErrors.Invalid("currency", "parameter_invalid_string",
                $"Invalid currency: '{currency}'. Use a lower-case three-letter ISO code."));

        var reason = Value(form, "reason");
        if (reason is not null && !Reasons.Contains(reason))
            return (null, StripeErrors.Invalid("reason", "parameter_invalid_string",
                $"Invalid reason: must be one of {string.Join(", ", Reasons)}."));

        return (new CardRefundRequest(paymentIntent, charge, amount, currency, reason, metadata), null);
    }

    static string? Value(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

    [GeneratedRegex(@"^metadata\[([^\]]+)\]$")]
    private static partial Regex MetadataKey();

    [GeneratedRegex("^[a-z]{3}$")]
    private static partial Regex LowerCaseIsoCode();
}

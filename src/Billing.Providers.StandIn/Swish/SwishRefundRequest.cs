using System.Globalization;
using System.Text.RegularExpressions;

namespace Billing.Providers.StandIn.Swish;

/// <summary>The JSON body of <c>PUT /api/v2/refunds/{instructionUUID}</c>; every field is checked before anything is kept.</summary>
public sealed partial record SwishRefundRequest(
    string? OriginalPaymentReference,
    string? CallbackUrl,
    string? PayerAlias,
    string? Amount,
    string? Currency,
    string? Message,
    string? PayerPaymentReference)
{
    const decimal MinAmount = 1.00m;

    /// <summary>What "the same refund" means for an instruction UUID: every field, in a fixed order.</summary>
    public string Fingerprint =>
        string.Join('|', OriginalPaymentReference, CallbackUrl, PayerAlias, Amount, Currency, Message, PayerPaymentReference);

    /// <summary>The amount in SEK; only meaningful once <see cref="Validate"/> found nothing.</summary>
    public decimal ParsedAmount => decimal.Parse(Amount!, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    public List<SwishError> Validate()
    {
        var errors = new List<SwishError>();
        if (string.IsNullOrWhiteSpace(OriginalPaymentReference))
            errors.Add(SwishErrors.BadReference);
        if (!Uri.TryCreate(CallbackUrl, UriKind.Absolute, out var callback) || callback.Scheme != Uri.UriSchemeHttps)
            errors.Add(SwishErrors.BadCallbackUrl);
        if (PayerAlias is null || !SwishNumber().IsMatch(PayerAlias))
            errors.Add(SwishErrors.MissingPayerAlias);
        if (Amount is null || !TwoDecimals().IsMatch(Amount))
            errors.Add(SwishErrors.BadAmount);
        else if (ParsedAmount < MinAmount)
            errors.Add(SwishErrors.AmountTooSmall);
        if (Currency != "SEK")
            errors.Add(SwishErrors.BadCurrency);
        if (Message is not null && !MessageCharacters().IsMatch(Message))
            errors.Add(SwishErrors.WrongFormat);
        return errors;
    }

    // Up to twelve digits before the point keeps amounts within Swish's 999 999 999 999.99 cap.
    [GeneratedRegex(@"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$")]
    private static partial Regex TwoDecimals();

    // Swish's message: at most 50 of a-ö, A-Ö, 0-9, space and :;.,?!()-"
    [GeneratedRegex("^[a-zåäöA-ZÅÄÖ0-9 :;.,?!()\\-\"]{0,50}$")]
    private static partial Regex MessageCharacters();

    [GeneratedRegex("^[0-9]{8,15}$")]
    private static partial Regex SwishNumber();
}

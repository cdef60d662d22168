namespace Billing.Providers.StandIn.Swish;

/// <summary>Swish's refund object as <c>GET /api/v1/refunds/{id}</c> returns it.</summary>
/// <param name="Id">The caller's instruction UUID: in Swish the refund's id is the idempotency key.</param>
/// <param name="Status">CREATED, DEBITED, PAID or ERROR; the stand-in settles at once, so PAID or ERROR.</param>
public sealed record SwishRefund(
    string Id,
    string? PaymentReference,
    string? PayerPaymentReference,
    string OriginalPaymentReference,
    string CallbackUrl,
    string PayerAlias,
    decimal Amount,
    string Currency,
    string? Message,
    string Status,
    DateTimeOffset DateCreated,
    DateTimeOffset? DatePaid,
    string? ErrorCode,
    string? ErrorMessage,
    string? AdditionalInformation = null);

/// <summary>One entry of the error list Swish answers with (<c>[{"errorCode","errorMessage","additionalInformation"}]</c>).</summary>
public sealed record SwishError(string ErrorCode, string ErrorMessage, string? AdditionalInformation = null);

/// <summary>What the Swish provider answers: a status, and the refund made (if any) or the error list.</summary>
public sealed record SwishAnswer(int Status, SwishRefund? Refund = null, IReadOnlyList<SwishError>? Errors = null);

/// <summary>
/// Error codes from Swish's published list where one fits (PA02, AM02, AM03, AM06, FF08, RP01, RP02, RP03, RF07).
/// The 409 for a reused instruction UUID carries RF02, a stand-in choice: the adapter should act on the status.
/// </summary>
public static class SwishErrors
{
    public static readonly SwishError WrongFormat = new("RP02", "Wrong formatted message.");
    public static readonly SwishError MissingPayerAlias = new("RP01", "Missing merchant Swish number (payerAlias).");
    public static readonly SwishError BadCallbackUrl = new("RP03", "Callback URL is missing or does not use HTTPS.");
    public static readonly SwishError BadReference = new("FF08", "originalPaymentReference is missing or invalid.");
    public static readonly SwishError BadAmount = new("PA02", "Amount value is missing or not a valid number with two decimals.");
    public static readonly SwishError AmountTooSmall = new("AM06", "Amount is less than the minimum of 1.00.");
    public static readonly SwishError AmountTooLarge = new("AM02", "Amount value is too large.");
    public static readonly SwishError BadCurrency = new("AM03", "Invalid or missing currency; Swish refunds are in SEK.");
    public static readonly SwishError Declined = new("RF07", "Transaction declined.");
    public static readonly SwishError InstructionReused = new("RF02", "The instruction UUID was already used for a different refund.");

    public static IResult Result(int status, params SwishError[] errors) => Results.Json(errors, statusCode: status);
}

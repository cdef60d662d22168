namespace Billing.Providers.StandIn.Cards;

/// <summary>The errors the stand-in answers in Stripe's shape (<c>{"error":{"type","code","message","param"}}</c>).</summary>
public static class StripeErrors
{
    public static CardAnswer MissingApiKey() => Error(401, "invalid_request_error", null,
        "No API key provided. Send it as 'Authorization: Bearer sk_test_...'.");

    public static CardAnswer Missing(string param) => Error(400, "invalid_request_error", "parameter_missing",
        $"Missing required param: {param}.", param);

    public static CardAnswer Invalid(string param, string code, string message) =>
        Error(400, "invalid_request_error", code, message, param);

    public static CardAnswer NotFound(string param, string value) => Error(404, "invalid_request_error", "resource_missing",
        $"No such refund: '{value}'", param);

    // Stripe answers 400 with type idempotency_error when a key is reused for a different request.
    public static CardAnswer IdempotencyConflict(string key) => Error(400, "idempotency_error", null,
        $"Idempotency key '{key}' was already used with different parameters; use a new key for a different request.");

    public static CardAnswer CurrencyMismatch(string paymentIntent, string currency) => Error(400, "invalid_request_error", "currency_mismatch",
        $"The payment intent '{paymentIntent}' is in {currency}; a refund of it must be too.", "currency");

    public static CardAnswer Unavailable() => Error(503, "api_error", null, "The card provider is unavailable.");

    /// <summary>A failure that moved no money and that a retry (same key) may get past.</summary>
    public static CardAnswer Retryable(int variant) => variant == 0
        ? Error(500, "api_error", null, "An unexpected error occurred on the provider's side.")
        : Error(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.");

    /// <summary>A definite no: the refund cannot be made, and retrying will not change that.</summary>
    public static CardAnswer Decline(int variant) => variant == 0
        ? Error(400, "invalid_request_error", "charge_already_refunded", "The charge has already been refunded in full.", "payment_intent")
        : Error(402, "card_error", "card_declined", "The card the refund was sent to declined it.");

    static CardAnswer Error(int status, string type, string? code, string message, string? param = null) =>
        new(status, new StripeErrorBody(new StripeError(type, code, message, param)));
}

namespace Billing.Features.Refunds;

/// <summary>One error code a refund attempt can end with, in words support can act on.</summary>
/// <param name="Transient">A later attempt may get past it by itself (the lanes retry these); false: retrying as is will not help.</param>
public sealed record RefundCause(string Code, string Meaning, string SupportCan, bool Transient);

/// <summary>
/// The codes the providers (Swish's error list, Stripe's error codes and failure reasons), our own HTTP transport and the
/// lanes record on an attempt, each with what it means and what support can do about it. The refunds list and the refund
/// page both explain a code from here, and docs/refunds.md prints the same table.
/// </summary>
public static class RefundCauses
{
    const string WaitForLanes = "Nothing: the lanes retry on their own. If it persists across many refunds, tell the on-call engineer.";
    const string CheckRequest = "The request itself is wrong: check the payment and amount, then cancel the refund, or resolve it if paid another way.";

    static readonly RefundCause[] Table =
    [
        // Swish (refunds API error list)
        new("RF07", "Swish declined the refund (the payer's bank or Swish refused it).",
            "Ask the customer to check their Swish account; retry once they have, or pay by bank transfer and resolve it as paid another way.", false),
        new("RF02", "Swish already holds another refund under this instruction id.", "Nothing by hand: the lanes look the refund up before paying again.", true),
        new("FF08", "Swish does not know the original payment reference.", CheckRequest, false),
        new("PA02", "Swish rejected the amount's format.", CheckRequest, false),
        new("AM02", "The amount is larger than Swish allows for this payment.", CheckRequest, false),
        new("AM03", "Swish refunds only in SEK; the currency was another.", CheckRequest, false),
        new("AM06", "The amount is below Swish's minimum of 1.00 SEK.", "Cancel the refund, or pay it another way and resolve it as paid another way.", false),
        new("RP01", "Our Swish merchant number is missing from the request.", "Tell the on-call engineer (configuration); retry once fixed.", false),
        new("RP02", "Swish could not read our request.", "Tell the on-call engineer; retry once fixed.", false),
        new("RP03", "Our callback address is missing or not HTTPS.", "Tell the on-call engineer (configuration); retry once fixed.", false),
        // Stripe (cards)
        new("card_declined", "The card the refund was sent to declined it (closed or blocked card).",
            "Ask the customer for other bank details, pay by bank transfer and resolve it as paid another way.", false),
        new("expired_or_canceled_card", "The card has expired or was cancelled, so the refund could not land.",
            "Ask the customer for other bank details, pay by bank transfer and resolve it as paid another way.", false),
        new("lost_or_stolen_card", "The card was reported lost or stolen.", "Pay another way once the customer confirms their details; resolve as paid another way.", false),
        new("charge_already_refunded", "The card payment has already been refunded in full.",
            "Check the payment's other refunds; if the customer has their money, resolve it (not paid another way).", false),
        new("amount_too_large", "The refund is larger than what is left of the card payment.", CheckRequest, false),
        new("currency_mismatch", "The refund's currency is not the payment's.", CheckRequest, false),
        new("resource_missing", "Stripe does not know the payment intent.", CheckRequest, false),
        new("rate_limit", "Stripe asked us to slow down.", WaitForLanes, true),
        new("idempotency_error", "Stripe saw the same key with another request; the lanes look it up.", WaitForLanes, true),
        new("idempotency_key_in_use", "Another request with this key was still running at Stripe.", WaitForLanes, true),
        new("api_error", "Stripe failed on its side.", WaitForLanes, true),
        // Our transport and lanes
        new("timeout", "The provider did not answer in time; it may have paid, so the lanes look it up first.", WaitForLanes, true),
        new("connection_failed", "The provider could not be reached.", WaitForLanes, true),
        new("connection_lost", "The connection broke off mid-answer; the lanes look the refund up first.", WaitForLanes, true),
        new("adapter_error", "Our provider adapter failed unexpectedly.", "Tell the on-call engineer; retry once fixed.", true),
        new("not_found", "A lookup found no payment under any of the refund's keys: nothing was paid.", "Retry, or cancel if the refund is no longer owed.", false),
        new("too_many_refunds", "The card payment has more refunds than one lookup reads.", "Check the payment in Stripe by hand, then resolve or retry.", false),
        new("unavailable", "The provider could not process it now.", WaitForLanes, true),
        new("unknown", "No clear answer; the lanes look the refund up before paying again.", WaitForLanes, true),
        new("declined", "The provider refused without a code.", "Ask the customer for other details and pay another way, or cancel.", false),
    ];

    static readonly Dictionary<string, RefundCause> ByCode = Table.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<RefundCause> All => Table;

    /// <summary>The cause of a code; an <c>http_NNN</c> status of our own transport reads by its class; null for a code not in the table.</summary>
    public static RefundCause? Of(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
            return null;
        if (ByCode.TryGetValue(code, out var cause))
            return cause;
        if (code.StartsWith("http_", StringComparison.Ordinal) && int.TryParse(code.AsSpan(5), out var status))
            return status >= 500 || status is 401 or 403 or 408 or 429
                ? new(code, $"The provider answered HTTP {status}: unavailable or refusing our credentials for now.", WaitForLanes, true)
                : new(code, $"The provider answered HTTP {status} without its own error code.", "Tell the on-call engineer; retry once fixed.", false);
        return null;
    }
}

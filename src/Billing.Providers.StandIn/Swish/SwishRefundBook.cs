using Billing.Providers.StandIn.Control;

namespace Billing.Providers.StandIn.Swish;

/// <summary>The Swish provider's refunds, keyed by instruction UUID: made at most once each, paid into the ledger.</summary>
public sealed class SwishRefundBook(Faults faults, Ledger ledger, TimeProvider clock)
{
    // No window, unlike cards: the instruction UUID is the refund resource's own id (GET v1/refunds/{id} finds it
    // for good), not a key the provider forgets, so a second PUT under it never pays again, however late.
    readonly IdempotencyStore<SwishAnswer> _answers = new(clock, window: null);

    /// <param name="sentBy">The request's line in the ledger's log, marked paid along with the payment.</param>
    public IdempotentResult<SwishAnswer> Create(string instructionId, SwishRefundRequest request, LoggedRequest? sentBy) =>
        _answers.Run(instructionId, request.Fingerprint, () => Execute(instructionId, request, sentBy));

    public SwishRefund? Find(string id) => _answers.Find(id)?.Refund;

    Execution<SwishAnswer> Execute(string instructionId, SwishRefundRequest request, LoggedRequest? sentBy)
    {
        var roll = faults.Roll(PaymentMethod.Swish);
        if (roll.Outcome == Outcome.FailRetryable)
            return new(new SwishAnswer(roll.Variant == 0 ? StatusCodes.Status500InternalServerError : StatusCodes.Status503ServiceUnavailable), Keep: false);

        var now = clock.GetUtcNow();
        var refund = new SwishRefund(
            instructionId,
            PaymentReference: null,
            request.PayerPaymentReference,
            request.OriginalPaymentReference!,
            request.CallbackUrl!,
            request.PayerAlias!,
            request.ParsedAmount,
            request.Currency!,
            request.Message,
            Status: "PAID",
            DateCreated: now,
            DatePaid: now,
            ErrorCode: null,
            ErrorMessage: null);

        if (roll.Outcome == Outcome.Decline)
        {
            // Kept, so GET shows the refund as ERROR and a repeated PUT is declined again instead of paying.
            var declined = refund with
            {
                Status = "ERROR", DatePaid = null, ErrorCode = SwishErrors.Declined.ErrorCode, ErrorMessage = SwishErrors.Declined.ErrorMessage,
            };
            return new(new SwishAnswer(StatusCodes.Status422UnprocessableEntity, declined, [SwishErrors.Declined]), Keep: true);
        }

        var paid = refund with { PaymentReference = Guid.NewGuid().ToString("N").ToUpperInvariant() };
        ledger.Record(new LedgerEntry(PaymentMethod.Swish, instructionId, request.PayerPaymentReference, paid.Id,
            decimal.ToInt64(paid.Amount * 100), paid.Currency, now), sentBy);
        return new(new SwishAnswer(StatusCodes.Status201Created, paid), Keep: true, HoldAfterPay: roll.Outcome == Outcome.PayThenTimeOut);
    }
}

using Microsoft.Extensions.Options;

namespace Billing.Features.Passbook;

/// <summary>
/// POST /repayments/{gatewayPaymentId}/reversal: the gateway took a repayment back (a chargeback, a returned payment).
/// 201 with the reversing entry the first time, 200 with the same answer for the same reversal reported again, 409 for
/// another reversal under the same id; 400 for a malformed report, 404 for an unknown repayment, 422 for a reversal in
/// another currency or of more than is left of the repayment. Nothing is written unless the answer is 201.
/// </summary>
public static class RepaymentReversalEndpoint
{
    public static async Task<IResult> Handle(string gatewayPaymentId, ReversalBody body, RepaymentReversalIntake intake,
        IOptions<PassbookOptions> options, TimeProvider clock, ExcessRefundSender sender, CancellationToken cancellationToken)
    {
        var problems = ReversalRules.Problems(body, clock.GetUtcNow(), options.Value.PaidAtTolerance);
        if (gatewayPaymentId.Length > RepaymentRules.MaxGatewayPaymentIdLength)
            problems["gatewayPaymentId"] = [$"At most {RepaymentRules.MaxGatewayPaymentIdLength} characters."];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems, title: "The reversal is not valid; nothing was stored.");

        var report = ReversalRules.ToReport(gatewayPaymentId, body);
        var result = await intake.Record(report, cancellationToken);
        switch (result.Outcome)
        {
            case ReversalOutcome.UnknownRepayment:
                return Results.Problem($"No repayment '{gatewayPaymentId}'.", statusCode: StatusCodes.Status404NotFound,
                    title: "Unknown repayment; nothing was stored.");
            case ReversalOutcome.CurrencyMismatch:
                return Unprocessable($"Repayment '{gatewayPaymentId}' was paid in {result.Currency}, not {report.Currency}.", "currency_mismatch");
            case ReversalOutcome.ExceedsRepayment:
                return Unprocessable($"Only {result.Left} {result.Currency} of repayment '{gatewayPaymentId}' is not reversed yet; {report.Amount} cannot be.",
                    "reversal_exceeds_repayment");
            case ReversalOutcome.Conflict:
                return Results.Problem($"Reversal '{report.ReversalId}' of repayment '{gatewayPaymentId}' was recorded before with another amount, currency, reason or time.",
                    statusCode: StatusCodes.Status409Conflict, title: "Reversal id reused",
                    extensions: new Dictionary<string, object?> { ["code"] = "reversal_conflict", ["entryId"] = result.Answer!.EntryId });
            case ReversalOutcome.Replayed:
                return Results.Ok(result.Answer);
        }

        sender.Cancel(result.Cancelling ?? []);
        return Results.Created($"/repayments/{Uri.EscapeDataString(gatewayPaymentId)}", result.Answer);
    }

    static IResult Unprocessable(string detail, string code) =>
        Results.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The reversal cannot be booked; nothing was stored.",
            extensions: new Dictionary<string, object?> { ["code"] = code });
}

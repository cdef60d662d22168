using System.Security.Claims;
using Billing.Features.Access;

namespace Billing.Features.Passbook;

/// <summary>
/// POST /repayments/{gatewayPaymentId}/move: a repayment reported under the wrong account is booked on the right one.
/// 201 with both entries the first time, 200 with the same answer for the same target again; 400 for a malformed body,
/// 404 for an unknown repayment or target account, 422 for a target without a loan, in another currency, the account
/// the payment is on already, or a payment already given back in part (reversed, or refunded). Nothing is written unless
/// the answer is 201.
/// </summary>
public static class RepaymentMoveEndpoint
{
    public static async Task<IResult> Handle(string gatewayPaymentId, MoveBody body, ClaimsPrincipal user, RepaymentMoveIntake intake,
        ExcessRefundSender sender, CancellationToken cancellationToken)
    {
        var problems = MoveRules.Problems(gatewayPaymentId, body);
        if (problems.Count > 0)
            return Results.ValidationProblem(problems, title: "The move is not valid; nothing was stored.");

        var to = body.ToAccountId!;
        var result = await intake.Move(gatewayPaymentId, to, body.Reason ?? MoveRules.DefaultReason, Actor.Of(user).Name, cancellationToken);
        switch (result.Outcome)
        {
            case MoveOutcome.UnknownRepayment:
                return NotFound($"No repayment '{gatewayPaymentId}'.", "Unknown repayment; nothing was stored.", "unknown_repayment");
            case MoveOutcome.UnknownAccount:
                return NotFound($"No account '{to}' to move repayment '{gatewayPaymentId}' to.", "Unknown account; nothing was stored.", "unknown_account");
            case MoveOutcome.NoLoan:
                return Unprocessable($"Account '{to}' has no loan to repay.", "no_loan");
            case MoveOutcome.CurrencyMismatch:
                return Unprocessable($"Account '{to}' owes in {result.Detail}; repayment '{gatewayPaymentId}' was not paid in it.", "currency_mismatch");
            case MoveOutcome.SameAccount:
                return Unprocessable($"Repayment '{gatewayPaymentId}' is on account '{to}' already.", "same_account");
            case MoveOutcome.Reversed:
                return Unprocessable($"Repayment '{gatewayPaymentId}' cannot move: {result.Detail}. Support corrects such a payment by hand.",
                    "repayment_reversed");
            case MoveOutcome.Refunded:
                return Unprocessable($"Repayment '{gatewayPaymentId}' cannot move: {result.Detail}. Support corrects such a payment by hand.",
                    "repayment_refunded");
            case MoveOutcome.Replayed:
                return Results.Ok(result.Answer);
        }

        var answer = result.Answer!;
        sender.Cancel(result.Cancelling ?? []);
        if (answer.ExcessRefund is { } excess && !result.ExcessWaits)
            sender.Request(gatewayPaymentId, answer.Currency, result.Method!, excess, answer.MoveNo);
        return Results.Created($"/repayments/{Uri.EscapeDataString(gatewayPaymentId)}", answer);
    }

    static IResult NotFound(string detail, string title, string code) =>
        Results.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    static IResult Unprocessable(string detail, string code) =>
        Results.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The repayment cannot be moved; nothing was stored.",
            extensions: new Dictionary<string, object?> { ["code"] = code });
}

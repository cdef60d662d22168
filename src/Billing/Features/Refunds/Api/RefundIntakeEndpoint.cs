using System.Security.Claims;
using Billing.Features.Access;
using Billing.Contracts.Refunds;
using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Billing.Features.Refunds.Api;

/// <param name="Amount">In the currency's units (12.50), exact: a JSON number read as decimal.</param>
public sealed record RefundRequestBody(string? PaymentId, decimal? Amount, string? Currency, string? Method, string? Reason);

/// <summary>
/// POST /refunds. The request becomes a RequestRefund for the saga, which answers once its decision is committed:
/// the same key and body give the same refund (202 both times), the same key with another body a 409, and a
/// payment's refundable balance is checked under its row lock. Shape errors are answered here and nothing is sent.
/// </summary>
public static class RefundIntakeEndpoint
{
    public static async Task<IResult> Handle(
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        RefundRequestBody body,
        ClaimsPrincipal caller,
        IOptions<RefundOptions> options,
        IRequestClient<RequestRefund> intake,
        CancellationToken cancellationToken)
    {
        var requestedBy = Actor.Of(caller).Name;
        var problems = RefundRequestRules.Problems(idempotencyKey, body.PaymentId, body.Amount, body.Currency, body.Method, body.Reason,
            requestedBy, options.Value.Methods.Keys);
        if (RefundRequestRules.ReservedKeyProblem(idempotencyKey) is { } reserved)
            problems["Idempotency-Key"] = [reserved];
        if (problems.Count > 0)
            return Results.ValidationProblem(problems, title: "The refund request is not valid; nothing was stored.");

        var request = RequestRefund.Create(idempotencyKey!, body.PaymentId!, body.Amount!.Value, body.Currency!, body.Method!, body.Reason, requestedBy);
        try
        {
            var answer = await intake.GetResponse<RefundAccepted, RefundRejected>(request, cancellationToken);
            if (answer.Is(out Response<RefundAccepted>? accepted))
            {
                var refund = accepted.Message;
                return Results.Accepted($"/refunds/{refund.RefundId}", new { refund.RefundId, refund.Status, Replayed = refund.Duplicate });
            }

            answer.Is(out Response<RefundRejected>? refused);
            var rejected = refused!.Message;
            return rejected.Code switch
            {
                RefundRejections.IdempotencyConflict => Results.Problem(rejected.Detail, statusCode: StatusCodes.Status409Conflict, title: "Idempotency-Key reused",
                    extensions: new Dictionary<string, object?> { ["code"] = rejected.Code, ["refundId"] = rejected.RefundId }),
                RefundRejections.ExcessRefundUnsettled => Results.Problem(rejected.Detail, statusCode: StatusCodes.Status409Conflict,
                    title: "The payment's overpayment is being refunded; nothing was stored.", extensions: new Dictionary<string, object?> { ["code"] = rejected.Code }),
                _ => Results.Problem(rejected.Detail, statusCode: StatusCodes.Status400BadRequest, title: "The refund was refused; nothing was stored.",
                    extensions: new Dictionary<string, object?> { ["code"] = rejected.Code }),
            };
        }
        catch (RequestTimeoutException)
        {
            return Results.Problem("The refund service did not answer in time. Send the same request with the same Idempotency-Key again.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again");
        }
    }
}

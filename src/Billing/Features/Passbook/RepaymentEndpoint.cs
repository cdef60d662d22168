using Billing.Features.Refunds;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// POST /repayments. 201 with the passbook entry the first time, 200 with the same answer (replayed) for the same
/// payment reported again by any source, 409 for another payment under the same gateway id; 400 for a malformed
/// report, 404 for an unknown account, 422 for an account without a loan or a payment in another currency than its
/// loan's. Nothing is written unless the answer is 201.
/// </summary>
public static class RepaymentEndpoint
{
    public static async Task<IResult> Handle(RepaymentBody body, RepaymentIntake intake, IOptions<RefundOptions> refunds,
        IOptions<PassbookOptions> options, TimeProvider clock, ExcessRefundSender sender, CancellationToken cancellationToken)
    {
        var problems = RepaymentRules.Problems(body, refunds.Value.Methods.Keys, clock.GetUtcNow(), options.Value.PaidAtTolerance);
        if (problems.Count > 0)
            return Results.ValidationProblem(problems, title: "The repayment is not valid; nothing was stored.");

        var report = RepaymentRules.ToReport(body);
        var result = await intake.Record(report, cancellationToken);
        switch (result.Outcome)
        {
            case RepaymentOutcome.UnknownAccount:
                return Results.Problem($"No account '{report.AccountId}'.", statusCode: StatusCodes.Status404NotFound,
                    title: "Unknown account; nothing was stored.");
            case RepaymentOutcome.NoLoan:
                return Unprocessable($"Account '{report.AccountId}' has no loan to repay.", "no_loan");
            case RepaymentOutcome.CurrencyMismatch:
                return Unprocessable($"Account '{report.AccountId}' owes in {result.LoanCurrency}, not {report.Currency}.", "currency_mismatch");
            case RepaymentOutcome.Conflict:
                return Results.Problem(
                    $"Gateway payment '{report.GatewayPaymentId}' was recorded before with another account, amount, currency, method or paid-at. " +
                    $"It is on account '{result.Answer!.AccountId}'; if that is the wrong account, move it: POST /repayments/{{gatewayPaymentId}}/move.",
                    statusCode: StatusCodes.Status409Conflict, title: "Gateway payment id reused",
                    extensions: new Dictionary<string, object?>
                    {
                        ["code"] = "payment_conflict", ["entryId"] = result.Answer!.EntryId, ["accountId"] = result.Answer.AccountId,
                    });
            case RepaymentOutcome.Replayed:
                return Results.Ok(result.Answer);
        }

        var answer = result.Answer!;
        sender.Cancel(result.Cancelling ?? []);
        if (answer.ExcessRefund is { } excess)
            sender.Request(answer.GatewayPaymentId, answer.Currency, answer.Method, excess, 0);
        return Results.Created($"/repayments/{Uri.EscapeDataString(answer.GatewayPaymentId)}", answer);
    }

    /// <summary>GET /repayments/{gatewayPaymentId}: the answer POST gave, with where its excess refund stands now.</summary>
    public static async Task<IResult> Get(string gatewayPaymentId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await RepaymentQueries.Find(connection, null, gatewayPaymentId, cancellationToken) is { } stored
            ? Results.Ok(stored.Answer)
            : Results.Problem($"No repayment '{gatewayPaymentId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown repayment");
    }

    static IResult Unprocessable(string detail, string code) =>
        Results.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The repayment cannot be booked; nothing was stored.",
            extensions: new Dictionary<string, object?> { ["code"] = code });
}

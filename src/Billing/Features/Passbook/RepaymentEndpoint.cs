using Billing.Features.Refunds;
using MassTransit;
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
        IOptions<PassbookOptions> options, TimeProvider clock, IPublishEndpoint publish, NpgsqlDataSource dataSource,
        ILogger<RepaymentIntake> logger, CancellationToken cancellationToken)
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
        if (answer.ExcessRefund is { } excess)
            await RequestExcessRefund(answer.GatewayPaymentId, answer.Currency, answer.Method, excess, 0, publish, dataSource, options.Value, logger,
                cancellationToken);
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

    /// <summary>
    /// The repayment is committed whatever happens here: a broker that is slow or away costs at most the send timeout,
    /// and the sweep sends the excess refund later (the same refund id, so never a second refund).
    /// </summary>
    internal static async Task RequestExcessRefund(string gatewayPaymentId, string currency, string method, ExcessRefundView excess, int moveNo,
        IPublishEndpoint publish, NpgsqlDataSource dataSource, PassbookOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RefundSendTimeout);
        try
        {
            await ExcessRefunds.Publish(publish, ExcessRefunds.Request(gatewayPaymentId, excess.Amount, currency, method, moveNo),
                timeout.Token);
            await ExcessRefunds.MarkRequested(dataSource, excess.RefundId, timeout.Token);
        }
        // Anything at all: the client must hear 201 for a committed repayment, never a 500 it would retry against a 200.
        catch (Exception e)
        {
            logger.LogWarning(e, "Excess refund {RefundId} of repayment {GatewayPaymentId} not sent now; the sweep sends it",
                excess.RefundId, gatewayPaymentId);
        }
    }

    static IResult Unprocessable(string detail, string code) =>
        Results.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "The repayment cannot be booked; nothing was stored.",
            extensions: new Dictionary<string, object?> { ["code"] = code });
}

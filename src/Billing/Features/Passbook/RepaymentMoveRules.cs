namespace Billing.Features.Passbook;

/// <param name="ToAccountId">The account the payment belongs on.</param>
/// <param name="Reason">Why (a wrong reference on the bank transfer, a holder who paid for their partner); kept with the move.</param>
public sealed record MoveBody(string? ToAccountId, string? Reason);

/// <summary>What POST /repayments/{id}/move answers, the first time (201) and for the same target again (200).</summary>
/// <param name="ExcessRefund">The right account's own excess refund, when the payment overpays it.</param>
/// <param name="CancelledExcessRefunds">The excess refunds on the wrong account the move stopped (the payment's own, and any the
/// account's credit no longer covers).</param>
public sealed record MoveAnswer(string GatewayPaymentId, int MoveNo, string FromAccountId, string ToAccountId, decimal Amount, string Currency,
    long OutEntryId, long InEntryId, string Reason, string MovedBy, DateTimeOffset MovedAt, bool Replayed, ExcessRefundView? ExcessRefund,
    IReadOnlyList<Guid> CancelledExcessRefunds);

public enum MoveOutcome { Moved, Replayed, UnknownRepayment, UnknownAccount, NoLoan, CurrencyMismatch, SameAccount, Reversed, Refunded }

/// <param name="Answer">Set for Moved and Replayed.</param>
/// <param name="Detail">For the refusals: the figures that decide it (the currency, the account, the refunds).</param>
/// <param name="Cancelling">For Moved: the excess refunds the refund saga is to cancel after the commit.</param>
/// <param name="Method">For Moved: the payment's method, which its excess refund pays back by.</param>
/// <param name="ExcessWaits">For Moved: the right account's excess waits (sent by the sweep) until the wrong account's is settled.</param>
public sealed record MoveResult(MoveOutcome Outcome, MoveAnswer? Answer = null, string? Detail = null, IReadOnlyList<Guid>? Cancelling = null,
    string? Method = null, bool ExcessWaits = false);

/// <summary>The shape rules of a move: no database, so every one is answered before anything is opened.</summary>
public static class MoveRules
{
    public const int MaxReasonLength = 500;
    public const string DefaultReason = "reported under the wrong account";

    public static Dictionary<string, string[]> Problems(string gatewayPaymentId, MoveBody body)
    {
        var problems = new Dictionary<string, string[]>();
        if (gatewayPaymentId.Length > RepaymentRules.MaxGatewayPaymentIdLength)
            problems["gatewayPaymentId"] = [$"At most {RepaymentRules.MaxGatewayPaymentIdLength} characters."];
        if (string.IsNullOrWhiteSpace(body.ToAccountId))
            problems["toAccountId"] = ["Required: the account the payment belongs on."];
        else if (body.ToAccountId.Length > RepaymentRules.MaxAccountIdLength)
            problems["toAccountId"] = [$"At most {RepaymentRules.MaxAccountIdLength} characters."];
        if (body.Reason is { } reason && (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength))
            problems["reason"] = [$"Between 1 and {MaxReasonLength} characters, or left out."];
        return problems;
    }

    /// <summary>The passbook entries of a move: the payment taken off the wrong account, and booked on the right one.</summary>
    public static string OutRef(string gatewayPaymentId, int moveNo) => $"repayment-move:{gatewayPaymentId}:{moveNo}:out";

    public static string InRef(string gatewayPaymentId, int moveNo) => $"repayment-move:{gatewayPaymentId}:{moveNo}:in";
}

namespace Billing.Features.Passbook;

/// <summary>What POST /repayments answers, the first time (201) and on every replay (200, <see cref="Replayed"/> true).</summary>
public sealed record RepaymentAnswer(string GatewayPaymentId, string AccountId, long EntryId, decimal Amount, string Currency, string Method,
    DateTimeOffset PaidAt, string Source, bool Replayed, ExcessRefundView? ExcessRefund);

/// <summary>The part of a repayment that overpaid its account, and where its refund stands.</summary>
public sealed record ExcessRefundView(Guid RefundId, string GatewayPaymentId, decimal Amount, string Status, string? Detail);

public enum RepaymentOutcome { Recorded, Replayed, Conflict, UnknownAccount, NoLoan, CurrencyMismatch }

/// <param name="Answer">Set for Recorded and Replayed, and for Conflict (the repayment recorded first under the id).</param>
/// <param name="LoanCurrency">Set for CurrencyMismatch.</param>
/// <param name="Cancelling">Excess refunds of the account this repayment's booking cut back, whose sagas are to be told.</param>
public sealed record RepaymentResult(RepaymentOutcome Outcome, RepaymentAnswer? Answer = null, string? LoanCurrency = null,
    IReadOnlyList<Guid>? Cancelling = null);

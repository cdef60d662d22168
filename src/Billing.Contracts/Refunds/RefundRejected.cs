namespace Billing.Contracts.Refunds;

/// <summary>
/// No refund was made and none stored. <see cref="Code"/> is one of <see cref="RefundRejections"/>. The answer to a
/// RequestRefund sent as a request, and also published as an event (a caller that sent without waiting hears of it;
/// its request is kept in refunds.rejected_request with the reason).
/// </summary>
public record RefundRejected(Guid RefundId, string Code, string Detail);

namespace Billing.Contracts.Refunds;

/// <summary>
/// Tells the refund service of a payment (billing sends it for every repayment it records), so intake refunds no more
/// than is left of it. Recording the same payment again changes nothing.
/// </summary>
public record RecordRefundablePayment(string PaymentId, decimal Amount, string Currency, string Method, DateTimeOffset PaidAt);

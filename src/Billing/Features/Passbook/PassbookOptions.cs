namespace Billing.Features.Passbook;

/// <summary>Section <c>Passbook</c>: repayment intake and the excess-refund sweep.</summary>
public sealed class PassbookOptions
{
    public const string Section = "Passbook";

    /// <summary>How far a repayment's paid-at may lie ahead of our clock (the gateway's clock is not ours).</summary>
    public TimeSpan PaidAtTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the API's sender gives the broker to take one excess refund message before leaving it to the sweep (the answer never waits).</summary>
    public TimeSpan RefundSendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each worker looks for excess refunds whose RequestRefund may have been lost.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An excess refund the refund saga has not heard of this long after it was created (or last sent) is sent again.</summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromMinutes(1);
}

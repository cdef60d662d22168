using Billing.Contracts.Money;

namespace Billing.Features.Passbook;

/// <param name="ReversalId">The gateway's own id of the chargeback or reversal: one entry per id, however often reported.</param>
/// <param name="Reason">chargeback, returned (a direct debit or bank payment sent back) or reversed (the gateway undid it).</param>
public sealed record ReversalBody(string? ReversalId, decimal? Amount, string? Currency, string? Reason, DateTimeOffset? ReversedAt,
    string? Source);

/// <summary>A repayment taken back by its gateway, validated; <see cref="ReversedAt"/> is UTC, cut to the microsecond.</summary>
public sealed record ReversalReport(string GatewayPaymentId, string ReversalId, decimal Amount, string Currency, string Reason,
    DateTimeOffset ReversedAt, string Source)
{
    /// <summary>The passbook entry's reference, which makes a reversal reported twice one entry.</summary>
    public string ExternalRef => $"repayment-reversal:{GatewayPaymentId}:{ReversalId}";

    /// <summary>As a repayment's: what the gateway reported, not who reported it, in minor units and microseconds.</summary>
    public string Fingerprint() => RepaymentReport.Hash(RepaymentReport.Minor(Amount, Currency), Currency, Reason,
        RepaymentReport.Microseconds(ReversedAt));
}

/// <summary>What POST /repayments/{id}/reversal answers, the first time (201) and on every replay (200).</summary>
/// <param name="ReversedInAll">All reversals of the repayment so far, this one included.</param>
public sealed record ReversalAnswer(string GatewayPaymentId, string ReversalId, string AccountId, long EntryId, decimal Amount, string Currency,
    string Reason, DateTimeOffset ReversedAt, string Source, bool Replayed, decimal ReversedInAll);

/// <summary>The shape rules of a reported reversal: no database, so every one is answered before anything is opened.</summary>
public static class ReversalRules
{
    /// <summary>"repayment-reversal:" (19), a gateway payment id (100), ":" and this fit the entry reference's 200.</summary>
    public const int MaxReversalIdLength = 80;
    public static readonly IReadOnlyList<string> Reasons = ["chargeback", "returned", "reversed"];

    public static Dictionary<string, string[]> Problems(ReversalBody body, DateTimeOffset now, TimeSpan tolerance)
    {
        var problems = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.ReversalId))
            problems["reversalId"] = ["Required: the gateway's id of the chargeback or reversal."];
        else if (body.ReversalId.Length > MaxReversalIdLength)
            problems["reversalId"] = [$"At most {MaxReversalIdLength} characters."];
        // The entry reference ends in the reversal id after a colon: one inside it could name another payment's reversal.
        else if (body.ReversalId.Contains(':'))
            problems["reversalId"] = ["May not contain ':'."];

        if (!Currencies.IsKnown(body.Currency))
            problems["currency"] = [$"Unknown currency '{body.Currency}'. Known: {string.Join(", ", Currencies.Known.Order())}."];

        if (RepaymentRules.AmountProblem(body.Amount, body.Currency) is { } amountProblem)
            problems["amount"] = [amountProblem];

        if (body.Reason is null || !Reasons.Contains(body.Reason))
            problems["reason"] = [$"One of {string.Join(", ", Reasons)}."];

        if (body.ReversedAt is not { } at)
            problems["reversedAt"] = ["Required."];
        else if (at > now + tolerance)
            problems["reversedAt"] = [$"{at:O} is in the future (more than {tolerance} ahead of {now:O})."];

        if (body.Source is { } source && (source.Length is 0 or > RepaymentRules.MaxSourceLength || string.IsNullOrWhiteSpace(source)))
            problems["source"] = [$"Between 1 and {RepaymentRules.MaxSourceLength} characters, or left out."];
        return problems;
    }

    public static ReversalReport ToReport(string gatewayPaymentId, ReversalBody body) =>
        new(gatewayPaymentId, body.ReversalId!, body.Amount!.Value, body.Currency!, body.Reason!,
            RepaymentReport.ToMicroseconds(body.ReversedAt!.Value), body.Source ?? RepaymentRules.DefaultSource);
}

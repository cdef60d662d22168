using Billing.Contracts.Money;

namespace Billing.Features.Passbook;

/// <param name="Amount">In the currency's units (12.50), exact: a JSON number read as decimal.</param>
/// <param name="Source">Who reports it ("webhook", "settlement", "api"); informational, not part of the fingerprint.</param>
public sealed record RepaymentBody(string? AccountId, decimal? Amount, string? Currency, string? GatewayPaymentId, string? Method,
    DateTimeOffset? PaidAt, string? Source);

/// <summary>The shape rules of a reported repayment: no database, so every one is answered before anything is opened.</summary>
public static class RepaymentRules
{
    // The column sizes of billing.repayment and billing.account.
    public const int MaxAccountIdLength = 64;
    public const int MaxGatewayPaymentIdLength = 100;
    public const int MaxSourceLength = 32;
    public const string DefaultSource = "api";

    /// <summary>The same cap as a refund: an excess must stay refundable.</summary>
    public const decimal MaxAmount = Refunds.RefundRequestRules.MaxAmount;

    /// <summary>Field name → what is wrong with it; empty when the report is well formed.</summary>
    public static Dictionary<string, string[]> Problems(RepaymentBody body, IReadOnlyCollection<string> methods, DateTimeOffset now,
        TimeSpan paidAtTolerance)
    {
        var problems = new Dictionary<string, string[]>();

        Text(problems, "accountId", body.AccountId, MaxAccountIdLength);
        Text(problems, "gatewayPaymentId", body.GatewayPaymentId, MaxGatewayPaymentIdLength);

        if (!Currencies.IsKnown(body.Currency))
            problems["currency"] = [$"Unknown currency '{body.Currency}'. Known: {string.Join(", ", Currencies.Known.Order())}."];

        if (AmountProblem(body.Amount, body.Currency) is { } amountProblem)
            problems["amount"] = [amountProblem];

        // A repayment's excess is refunded by the same method, so only a method the refund service can pay back is taken.
        if (string.IsNullOrWhiteSpace(body.Method) || !methods.Contains(body.Method))
            problems["method"] = [$"Unknown payment method '{body.Method}'. Known: {string.Join(", ", methods.Order())}."];

        if (body.PaidAt is not { } paidAt)
            problems["paidAt"] = ["Required."];
        else if (paidAt > now + paidAtTolerance)
            problems["paidAt"] = [$"{paidAt:O} is in the future (more than {paidAtTolerance} ahead of {now:O})."];

        if (body.Source is { } source && (source.Length is 0 or > MaxSourceLength || string.IsNullOrWhiteSpace(source)))
            problems["source"] = [$"Between 1 and {MaxSourceLength} characters, or left out."];

        return problems;
    }

    /// <summary>What is wrong with a reported amount (a repayment's, a reversal's); null when nothing is.</summary>
    public static string? AmountProblem(decimal? amount, string? currency) => amount switch
    {
        null => "Required.",
        <= 0 => "Must be more than zero.",
        > MaxAmount => $"At most {MaxAmount:0}.",
        { } a when Currencies.IsKnown(currency) && !Currencies.FitsMinorUnits(a, currency!) =>
            $"{currency} has {Currencies.MinorUnitsOf(currency!)} decimal(s); {a} has more.",
        _ => null,
    };

    /// <summary>The report of a body that has no <see cref="Problems"/>.</summary>
    public static RepaymentReport ToReport(RepaymentBody body) =>
        new(body.AccountId!, body.Amount!.Value, body.Currency!, body.GatewayPaymentId!, body.Method!,
            RepaymentReport.ToMicroseconds(body.PaidAt!.Value), body.Source ?? DefaultSource);

    static void Text(Dictionary<string, string[]> problems, string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
            problems[field] = ["Required."];
        else if (value.Length > maxLength)
            problems[field] = [$"At most {maxLength} characters."];
    }
}

namespace Billing.Features.StatementPdfs;

// What the Liquid template sees: every figure already formatted in the statement's culture, so the template holds
// layout only and cannot format a number two ways.

sealed record StatementView(
    StatementIssuerOptions Issuer,
    string AccountId,
    string HolderName,
    string PeriodStart,
    string PeriodEnd,
    string StatementDate,
    string DueDate,
    string PaymentReference,
    SummaryView Summary,
    IReadOnlyList<PageView> Pages,
    string? Correction);

sealed record SummaryView(
    string Opening,
    string Purchases,
    string Payments,
    string Refunds,
    string Interest,
    string Fees,
    string Adjustments,
    bool HasAdjustments,
    string Closing,
    string MinimumDue,
    string PastDue,
    bool HasPastDue,
    string CreditLimit,
    string Available,
    string Apr);

sealed record PageView(int Number, int Count, bool First, IReadOnlyList<LineView> Lines);

sealed record LineView(string Date, string Kind, string Description, string Amount, bool Credit);

static class StatementViews
{
    public static StatementView From(StatementDocument d, StatementIssuerOptions issuer)
    {
        var f = new StatementFormat(d.Locale, d.Currency);
        var lines = d.Lines.Select(l => new LineView(f.Date(l.Date), KindLabel(l.Kind), l.Description, f.Money(l.Amount), l.Amount < 0)).ToArray();
        var split = StatementPages.Split(lines);
        var pages = split.Select((rows, i) => new PageView(i + 1, split.Count, i == 0, rows)).ToArray();
        var summary = new SummaryView(
            f.Money(d.OpeningBalance), f.Money(d.Purchases), f.Money(d.Repayments), f.Money(d.Refunds), f.Money(d.Interest),
            f.Money(d.Fees), f.Money(d.Adjustments), d.Adjustments != 0, f.Money(d.ClosingBalance), f.Money(d.MinimumDue),
            f.Money(d.PastDue), d.PastDue > 0, f.Money(d.CreditLimit), f.Money(Math.Max(0, d.CreditLimit - d.ClosingBalance)),
            f.Percent(d.Apr));
        // The period runs up to the day before the statement date.
        return new StatementView(issuer, d.AccountId, d.HolderName, f.Date(d.PeriodStart), f.Date(d.StatementDate.AddDays(-1)),
            f.LongDate(d.StatementDate), f.LongDate(d.DueDate), d.PaymentReference, summary, pages,
            d.Correction is { } c ? $"Corrected statement (version {c.Version}). It replaces the statement issued on {f.LongDate(c.ReplacesIssuedOn)}." : null);
    }

    static string KindLabel(string kind) => kind switch
    {
        "purchase" => "Purchase",
        "repayment" => "Payment",
        "interest" => "Interest",
        "fee" => "Fee",
        "refund" => "Refund",
        "adjustment" => "Adjustment",
        _ => kind,
    };
}

using Billing.Contracts.Money;

namespace Billing.Features.Statements;

/// <summary>What a statement input must look like before any arithmetic is trusted with it.</summary>
static class StatementInputRules
{
    /// <summary>
    /// A card issuer must give at least 21 days between the statement and its due date (US Reg Z, 12 CFR 1026.5(b)(2));
    /// terms that allow less are a configuration mistake, not a choice.
    /// </summary>
    public const int MinimumDueDays = 21;

    /// <summary>
    /// The due date falls before the next statement date, which is at least 28 days later (February), so the next
    /// statement judges whether the minimum was paid. Terms with a later due date would have no statement to judge it on
    /// (issue 19, W3: no late fee, no past due, grace refused to holders who paid on time).
    /// </summary>
    public const int MaximumDueDays = 27;

    public static void Validate(StatementInput input)
    {
        var terms = input.Terms;

        // The entries carry no currency of their own, so the loan's currency is all there is to check.
        if (!Currencies.IsKnown(terms.Currency))
            throw new ArgumentException($"Unknown currency '{terms.Currency}'. Known: {string.Join(", ", Currencies.Known.Order())}.", nameof(input));
        if (terms.DueDays < MinimumDueDays)
            throw new ArgumentException($"DueDays is {terms.DueDays}; the due date must be at least {MinimumDueDays} days after the statement date.", nameof(input));
        if (terms.DueDays > MaximumDueDays)
            throw new ArgumentException($"DueDays is {terms.DueDays}; the due date must fall before the next statement date, at most {MaximumDueDays} days after this one.", nameof(input));
        if (input.StatementDate <= input.PeriodStart)
            throw new ArgumentException($"The statement date {input.StatementDate:yyyy-MM-dd} must be after the period's start {input.PeriodStart:yyyy-MM-dd}.", nameof(input));

        // Grace and late fees are judged against the previous statement; one from another period would judge the wrong due.
        if (input.Previous is { } previous && previous.StatementDate != input.PeriodStart)
            throw new ArgumentException($"The previous statement is dated {previous.StatementDate:yyyy-MM-dd}, but this period starts {input.PeriodStart:yyyy-MM-dd}.", nameof(input));

        foreach (var entry in input.Entries)
        {
            if (entry.BookedOn < input.PeriodStart || entry.BookedOn >= input.StatementDate)
                throw new ArgumentException(
                    $"Entry '{entry.ExternalRef}' is booked on {entry.BookedOn:yyyy-MM-dd}, outside the period {input.PeriodStart:yyyy-MM-dd} .. {input.StatementDate.AddDays(-1):yyyy-MM-dd}.",
                    nameof(input));
            RequireMinorUnits(entry.Amount, $"entry '{entry.ExternalRef}'", terms.Currency);
        }

        RequireMinorUnits(input.OpeningBalance, "the opening balance", terms.Currency);
        RequireMinorUnits(terms.LateFee, "the late fee", terms.Currency);
        RequireMinorUnits(terms.MinimumFloor, "the minimum floor", terms.Currency);
        if (input.Previous is { } p)
        {
            RequireMinorUnits(p.ClosingBalance, "the previous closing balance", terms.Currency);
            RequireMinorUnits(p.MinimumDue, "the previous minimum due", terms.Currency);
        }
    }

    static void RequireMinorUnits(decimal amount, string what, string currency)
    {
        if (!Currencies.FitsMinorUnits(amount, currency))
            throw new ArgumentException($"The amount {amount} of {what} has more decimals than {currency} allows ({Currencies.MinorUnitsOf(currency)}).", "input");
    }
}

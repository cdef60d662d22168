namespace Billing.Features.Statements;

/// <summary>The minimum payment a statement asks for.</summary>
public static class MinimumPayment
{
    /// <summary>
    /// min(balance, max(floor, round(percent × balance) + interest + fees)) + past due, capped at the balance;
    /// zero when nothing is owed.
    /// </summary>
    /// <param name="newBalance">The statement's closing balance.</param>
    /// <param name="interest">This statement's interest.</param>
    /// <param name="fees">This statement's fees, the late fee included.</param>
    /// <param name="pastDue">What of the previous minimum is still unpaid.</param>
    public static decimal Of(decimal newBalance, decimal interest, decimal fees, decimal pastDue, LoanTerms terms)
    {
        if (newBalance <= 0)
            return 0m;

        var percentOfBalance = MinorUnitRounding.Round(terms.MinimumPercent * newBalance, terms.Currency);
        // Interest and fees on top of the percentage, so paying the minimum always reduces the principal.
        var current = Math.Min(newBalance, Math.Max(terms.MinimumFloor, percentOfBalance + interest + fees));

        // The past due is part of the new balance already, so asking for it on top can never ask for more than is owed.
        // The floor at zero guards against fee reversals (negative fees) with a zero floor configured.
        return Math.Max(0m, Math.Min(newBalance, current + pastDue));
    }
}

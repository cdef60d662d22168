namespace Billing.Features.Dashboard.Actions;

/// <summary>
/// What resuming does for accounts halted for a reason (<see cref="BillingRuns.Steps.StepFailure"/>'s codes): the
/// permanent ones halt again unless their data is fixed first, which a bulk resume's question must say before it is
/// pressed.
/// </summary>
public static class HaltReasons
{
    static readonly Dictionary<string, string> FixFirst = new(StringComparer.Ordinal)
    {
        ["no_contact"] = "the contact details (an e-mail with consent, or a phone with SMS or WhatsApp consent)",
        ["account_missing"] = "the missing account",
        ["loan_missing"] = "the missing loan",
        ["terms_invalid"] = "the loan's terms",
        ["time_zone_unknown"] = "the loan's time zone",
        ["currency_mismatch"] = "the passbook entry in another currency",
        ["passbook_invalid"] = "the passbook entry",
        ["passbook_mismatch"] = "the passbook",
        ["totals_do_not_reconcile"] = "the statement's figures",
        ["due_invalid"] = "the loan's due terms",
        ["not_due"] = "the loan's statement day",
        ["statement_exists"] = "nothing: the statement exists already",
        ["later_statement_exists"] = "nothing: a later statement exists already",
    };

    /// <summary>"no_contact: resuming without fixing the contact details halts them again"; null for a reason a retry can clear.</summary>
    public static string? Warning(string reason) => FixFirst.TryGetValue(reason, out var what)
        ? what.StartsWith("nothing", StringComparison.Ordinal)
            ? $"{reason}: resuming halts them again; there is {what}"
            : $"{reason}: resuming without fixing {what} halts them again"
        : null;
}

using System.Text.RegularExpressions;
using Billing.Contracts.Money;
using Billing.Features.Statements;
using Billing.Hosting.Input;

namespace Billing.Features.Accounts;

/// <summary>
/// What an imported account or entry must satisfy, checked before anything is written. The limits are the columns'
/// (migrations/0015_billing.sql), so a row that passes here never fails on a constraint half-way through an import.
/// </summary>
public static partial class AccountRules
{
    public static readonly IReadOnlySet<string> DayCounts = new HashSet<string> { "actual/365", "actual/360", "30/360" };
    /// <summary>
    /// The references of the entries the service posts itself (a repayment reported to POST /repayments, an excess
    /// refunded, a statement's interest and late fee): an imported entry under one would be taken for that entry.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedRefPrefixes = ["repayment:", "repayment-reversal:", "repayment-move:", "refund:", "refund-reversal:", "interest:", "late-fee:"];

    public static readonly IReadOnlySet<string> Kinds = new HashSet<string> { "purchase", "interest", "fee", "refund", "adjustment" };

    /// <summary>
    /// Why an import takes no repayment (review L3): a repayment is a gateway payment, reported once through
    /// POST /repayments, whose gateway id makes every later report of it the same entry, and which registers the payment
    /// as refundable and refunds what it overpaid. An imported one would be a second entry of the same payment, with none
    /// of that.
    /// </summary>
    public const string RepaymentRefused =
        "kind 'repayment' is not imported: repayments are reported through POST /repayments, whose gatewayPaymentId makes " +
        "a report idempotent (an imported one would book the same payment a second time, never refundable and never checked for an overpayment)";

    // numeric(19, 4): fifteen digits before the point.
    const decimal MaxAmount = 999_999_999_999_999m;

    public static List<string> Problems(AccountInput a)
    {
        var problems = new List<string>();
        Text(problems, "accountId", a.AccountId, 64, required: true);
        if (a.AccountId is { } id && id.Any(char.IsWhiteSpace))
            problems.Add($"accountId '{id}' contains white space");
        Text(problems, "name", a.Name, 200, required: true);
        problems.AddRange(ContactProblems(a.Email, a.Phone).Select(p => p.Problem));
        Text(problems, "locale", a.Locale, 16, required: false);

        if (a.Loan is not { } loan)
        {
            problems.Add("loan is missing");
            return problems;
        }

        var currency = loan.Currency;
        if (!Currencies.IsKnown(currency))
        {
            problems.Add(currency is null ? "loan.currency is missing" : $"loan.currency '{currency}' is not a known currency ({string.Join(", ", Currencies.Known)})");
            currency = null;
        }

        Money(problems, "loan.creditLimit", loan.CreditLimit, currency, required: true, min: 0);
        Rate(problems, "loan.apr", loan.Apr, required: true, max: 10m, maxInclusive: false);
        if (loan.DayCount is { } dayCount && !DayCounts.Contains(dayCount))
            problems.Add($"loan.dayCount '{dayCount}' is not one of {string.Join(", ", DayCounts)}");
        if (loan.StatementDay is not { } day)
            problems.Add("loan.statementDay is missing");
        else if (day is < 1 or > 31)
            problems.Add($"loan.statementDay {day} is not between 1 and 31");
        TimeZone(problems, loan.TimeZone);
        Rate(problems, "loan.minimumPercent", loan.MinimumPercent, required: false, max: 1m, maxInclusive: true);
        Money(problems, "loan.minimumFloor", loan.MinimumFloor, currency, required: false, min: 0);
        Money(problems, "loan.lateFee", loan.LateFee, currency, required: false, min: 0);
        if (loan.DueDays is { } dueDays && (dueDays < StatementInputRules.MinimumDueDays || dueDays > StatementInputRules.MaximumDueDays))
            problems.Add($"loan.dueDays {dueDays} is not between {StatementInputRules.MinimumDueDays} and {StatementInputRules.MaximumDueDays} " +
                "(a due date at least three weeks after the statement and before the next one, which judges whether it was paid)");
        if (loan.OpenedOn is null)
            problems.Add("loan.openedOn is missing");

        if (a.PreviousStatement is { } previous)
        {
            if (previous.StatementDate is null)
                problems.Add("previousStatement.statementDate is missing");
            Money(problems, "previousStatement.closingBalance", previous.ClosingBalance, currency, required: true, min: null);
            Money(problems, "previousStatement.minimumDue", previous.MinimumDue, currency, required: true, min: 0);
            if (previous.DueDate is not { } due)
                problems.Add("previousStatement.dueDate is missing");
            else if (previous.StatementDate is { } date && due < date)
                problems.Add($"previousStatement.dueDate {due:yyyy-MM-dd} is before its statement date {date:yyyy-MM-dd}");
            else if (previous.StatementDate is { } from && loan.StatementDay is >= 1 and <= 31 && NextStatementDate(from, loan.StatementDay.Value) is var next
                     && due >= next)
                problems.Add($"previousStatement.dueDate {due:yyyy-MM-dd} is not before the next statement date {next:yyyy-MM-dd}, which judges whether it was paid");
        }

        return problems;
    }

    /// <summary>
    /// The holder's e-mail and phone as an import checks them, each problem with the field it is about; the account page's
    /// contact form and <c>PUT /accounts/{id}/contact</c> check the same (<see cref="AccountContact"/>).
    /// </summary>
    public static List<(string Field, string Problem)> ContactProblems(string? email, string? phone)
    {
        var emailProblems = new List<string>();
        Text(emailProblems, "email", email, 254, required: false);
        if (email is { Length: > 0 } && !email.Contains('@'))
            emailProblems.Add($"email '{email}' has no @");
        var phoneProblems = new List<string>();
        Text(phoneProblems, "phone", phone, 32, required: false);
        if (phone is { Length: > 0 } && !E164().IsMatch(phone))
            phoneProblems.Add($"phone '{phone}' is not in E.164 form (+46701234567)");
        return [.. emailProblems.Select(p => ("email", p)), .. phoneProblems.Select(p => ("phone", p))];
    }

    /// <param name="currency">The loan's currency; null when the account is unknown or its currency is invalid.</param>
    public static List<string> Problems(EntryInput e, string? currency)
    {
        var problems = new List<string>();
        Text(problems, "accountId", e.AccountId, 64, required: true);
        Text(problems, "ref", e.Ref, 200, required: true);
        if (e.Ref is { } reference && ReservedRefPrefixes.FirstOrDefault(p => reference.StartsWith(p, StringComparison.Ordinal)) is { } reserved)
            problems.Add($"ref '{reference}' starts with '{reserved}', which the service keeps for the entries it posts itself");
        Text(problems, "description", e.Description, 500, required: false);
        if (e.OccurredAt is null)
            problems.Add("occurredAt is missing");
        if (e.Kind is null)
            problems.Add("kind is missing");
        else if (e.Kind == "repayment")
            problems.Add(RepaymentRefused);
        else if (!Kinds.Contains(e.Kind))
            problems.Add($"kind '{e.Kind}' is not one of {string.Join(", ", Kinds)}");

        if (e.Amount is not { } amount)
            problems.Add("amount is missing");
        else
        {
            Money(problems, "amount", amount, currency, required: true, min: null);
            if (amount == 0)
                problems.Add("amount is 0 (an entry must move the balance)");
            else if (e.Kind is "purchase" or "interest" or "fee" or "refund" && amount < 0)
                problems.Add($"amount {amount} of a {e.Kind} must be positive (amounts are the effect on the balance owed)");
        }

        return problems;
    }

    static void Text(List<string> problems, string field, string? value, int max, bool required)
    {
        // Checked first: a NUL cannot be stored at all (Postgres refuses it), and the other checks would quote it.
        if (InputText.Problem(field, value) is { } control)
            problems.Add(control);
        else if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
                problems.Add($"{field} is missing");
        }
        else if (value.Length > max)
            problems.Add($"{field} is {value.Length} characters long; at most {max} fit");
    }

    static void Money(List<string> problems, string field, decimal? value, string? currency, bool required, decimal? min)
    {
        if (value is not { } amount)
        {
            if (required)
                problems.Add($"{field} is missing");
            return;
        }

        if (min is { } floor && amount < floor)
            problems.Add($"{field} {amount} is below {floor}");
        if (Math.Abs(amount) > MaxAmount)
            problems.Add($"{field} {amount} is too large");
        else if (currency is not null && !Currencies.FitsMinorUnits(amount, currency))
            problems.Add($"{field} {amount} has more decimals than {currency} allows ({Currencies.MinorUnitsOf(currency)})");
    }

    static void Rate(List<string> problems, string field, decimal? value, bool required, decimal max, bool maxInclusive)
    {
        if (value is not { } rate)
        {
            if (required)
                problems.Add($"{field} is missing");
            return;
        }

        if (rate < 0 || rate > max || (!maxInclusive && rate == max))
            problems.Add($"{field} {rate} is not a fraction from 0 to {(maxInclusive ? "" : "below ")}{max} (0.24 is 24 %)");
        else if (decimal.Round(rate, 6) != rate)
            problems.Add($"{field} {rate} has more than 6 decimals");
    }

    static void TimeZone(List<string> problems, string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            problems.Add("loan.timeZone is missing");
            return;
        }

        if (InputText.Problem("loan.timeZone", id) is { } control)
        {
            problems.Add(control);
            return;
        }

        if (id.Length > 64)
        {
            problems.Add($"loan.timeZone is {id.Length} characters long; at most 64 fit");
            return;
        }

        // The schema keeps IANA ids; a Windows id found through ICU would be stored as something no other reader knows.
        try
        {
            if (!TimeZoneInfo.FindSystemTimeZoneById(id).HasIanaId)
                problems.Add($"loan.timeZone '{id}' is not an IANA time zone id (Europe/Stockholm)");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            problems.Add($"loan.timeZone '{id}' is not a known time zone (an IANA id such as Europe/Stockholm)");
        }
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    static DateOnly NextStatementDate(DateOnly date, int statementDay)
    {
        var monthAfter = date.AddMonths(1);
        return StatementCalendar.StatementDateIn(monthAfter.Year, monthAfter.Month, statementDay);
    }
}

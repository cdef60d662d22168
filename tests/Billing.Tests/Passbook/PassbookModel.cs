using Billing.Features.Statements;

namespace Billing.Tests.Passbook;

/// <summary>
/// The passbook, billing's excess refunds and the statements as docs/passbook.md and docs/billing.md state them, in plain
/// lists and decimals, for <see cref="PassbookModelTests"/>. It says what every account should hold once a step has
/// settled; <see cref="Picture"/> writes that as lines the service's own state is compared with.
/// <para>
/// Statements: the model picks each statement's entries by the documented period rule (booked in [previous cut-off,
/// cut-off), not posted by a statement, plus late postings: booked earlier but recorded after the previous statement) and
/// computes the figures with the project's own pure <see cref="StatementCalculator"/>: interest, grace, the late fee,
/// past due and the minimum are its rules, unit-tested on hand-checked fixtures elsewhere. Repayments the API books are
/// booked at the database's now(), after the cut-off of every statement date up to today, so they reach no statement;
/// statements see the imported entries, and the balance endpoint sets them against the latest statement.
/// </para>
/// </summary>
public sealed class PassbookModel(DateOnly today)
{
    public static readonly string[] ReservedStatuses = ["pending", "requested", "failed", "rejected"];

    /// <summary>The statement dates the case bills, oldest first: two months back, one month back, today.</summary>
    public IReadOnlyList<DateOnly> Dates { get; } = StatementDates(today);

    public List<ModelAccount> Accounts { get; } = [];
    public List<ModelRepayment> Repayments { get; } = [];
    public List<ModelExcess> Excesses { get; } = [];
    public HashSet<DateOnly> Billed { get; } = [];
    public int Step { get; set; }

    public ModelAccount Add(string id, AccountSetup setup)
    {
        var account = new ModelAccount(id, setup, today.Day);
        Accounts.Add(account);
        return account;
    }

    public void Book(ModelAccount account, string kind, decimal amount, string reference, DateTimeOffset bookedAt, DateTimeOffset? occurredAt = null) =>
        account.Entries.Add(new ModelEntry(kind, amount, reference, bookedAt, occurredAt ?? bookedAt, Step, null));

    /// <summary>A new repayment: its entry, and the excess it leaves (credit less the excesses still reserved, at most itself).</summary>
    public ModelExcess? Repay(ModelRepayment repayment, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == repayment.AccountId);
        Repayments.Add(repayment);
        Book(account, "repayment", -repayment.Amount, $"repayment:{repayment.PaymentId}", now, repayment.PaidAt);
        var credit = -account.Balance - Excesses.Where(x => x.AccountId == account.Id && ReservedStatuses.Contains(x.Status)).Sum(x => x.Amount);
        if (credit <= 0)
            return null;
        var excess = new ModelExcess(repayment.PaymentId, account.Id, Math.Min(credit, repayment.Amount)) { Status = "requested" };
        Excesses.Add(excess);
        return excess;
    }

    /// <summary>The provider's answer to an excess refund's first attempt.</summary>
    public void Outcome(ModelExcess excess, ExcessOutcome outcome, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == excess.AccountId);
        switch (outcome)
        {
            case ExcessOutcome.Paid:
                Book(account, "refund", excess.Amount, $"refund:{excess.PaymentId}:paid", now);
                excess.Status = "refunded";
                break;
            case ExcessOutcome.Declined:
                excess.Status = "failed";
                break;
            case ExcessOutcome.FailsLate:
                Book(account, "refund", excess.Amount, $"refund:{excess.PaymentId}:paid", now);
                Book(account, "refund", -excess.Amount, $"refund-reversal:{excess.PaymentId}", now);
                excess.Status = "failed";
                break;
        }
    }

    public void Settle(ModelExcess excess, Settlement how, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == excess.AccountId);
        switch (how)
        {
            case Settlement.Retry:
                Book(account, "refund", excess.Amount, $"refund:{excess.PaymentId}:paid", now);
                excess.Status = "refunded";
                break;
            case Settlement.ResolvedPaidElsewhere:
                Book(account, "refund", excess.Amount, $"refund:{excess.PaymentId}:paid-elsewhere", now);
                excess.Status = "refunded";
                break;
            default:
                excess.Status = "cancelled";
                break;
        }
    }

    /// <summary>
    /// A reversal: the positive entry, then the account's reserved excesses, oldest first, kept while they fit in the credit
    /// the reversal leaves and in what is left of their own payment; the rest are cancelled (by the refund saga, for those
    /// it holds).
    /// </summary>
    public void Reverse(ModelRepayment repayment, string reversalId, decimal amount, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == repayment.AccountId);
        repayment.Reversed += amount;
        Book(account, "repayment", amount, $"repayment-reversal:{repayment.PaymentId}:{reversalId}", now);
        var credit = Math.Max(0m, -account.Balance);
        var through = 0m;
        foreach (var excess in Excesses.Where(x => x.AccountId == account.Id && ReservedStatuses.Contains(x.Status)).ToList())
        {
            through += excess.Amount;
            if (through > credit || excess.Amount > Repayments.Single(r => r.PaymentId == excess.PaymentId).Left)
                excess.Status = "cancelled";
        }
    }

    /// <summary>
    /// Bills <paramref name="date"/> for every account: none for an account with a statement on or after it (the run halts it,
    /// <c>later_statement_exists</c>), and nothing at all when the date's run was started before (a second start joins it).
    /// </summary>
    public void Bill(DateOnly date)
    {
        if (!Billed.Add(date))
            return;
        foreach (var account in Accounts.Where(a => a.Statements.All(s => s.Date < date)))
            account.Statements.Add(Statement(account, date));
    }

    ModelStatement Statement(ModelAccount account, DateOnly date)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(account.Setup.Zone);
        var previous = account.Statements.MaxBy(s => s.Date);
        var periodStart = previous?.Date ?? StatementCalendar.PreviousStatementDate(date, account.StatementDay);
        var start = previous?.Cutoff ?? StatementCalendar.Cutoff(periodStart, zone);
        var cutoff = StatementCalendar.Cutoff(date, zone);
        bool LatePosting(ModelEntry e) => previous is not null && e.RecordedStep > previous.Step;

        var period = account.Entries.Where(e => e.BookedAt < cutoff && e.PostedBy is null && (e.BookedAt >= start || LatePosting(e))).ToList();
        var beforeStart = account.Entries.Where(e => e.BookedAt < start && !LatePosting(e)).Sum(e => e.Amount);
        var terms = new LoanTerms("SEK", account.Setup.Apr, account.Setup.DayCount switch
        {
            "actual/360" => DayCount.Actual360,
            "30/360" => DayCount.Thirty360,
            _ => DayCount.Actual365,
        }, MinimumPercent: 0.01m, MinimumFloor: 35m, LateFee: 25m, DueDays: 25, PaymentCutoff: TimeOnly.MaxValue);
        var entries = period.Select(e => new LedgerEntry(Enum.Parse<EntryKind>(e.Kind, ignoreCase: true), e.Amount,
            Later(StatementCalendar.LocalDate(e.BookedAt, zone), periodStart), StatementCalendar.ToLocal(e.OccurredAt, zone), e.Reference)).ToList();
        var figures = StatementCalculator.Calculate(new StatementInput(periodStart, date, previous?.Figures.ClosingBalance ?? beforeStart, entries,
            terms, previous is null ? null : new PreviousStatement(previous.Date, previous.Figures.ClosingBalance, previous.Figures.MinimumDue,
                previous.Figures.DueDate)));

        var newInterest = figures.Interest - period.Where(e => e.Kind == "interest").Sum(e => e.Amount);
        if (newInterest != 0)
            account.Entries.Add(new ModelEntry("interest", newInterest, $"interest@{date:yyyy-MM-dd}", cutoff, cutoff, Step, date));
        if (figures.LateFee > 0 && previous is not null)
            account.Entries.Add(new ModelEntry("fee", figures.LateFee, $"late-fee@{date:yyyy-MM-dd}", cutoff, cutoff, Step, date));
        return new ModelStatement(date, cutoff, figures, Step);
    }

    /// <summary>What every account should show once the step has settled, one fact a line (see <see cref="PassbookPicture"/>).</summary>
    public IReadOnlyList<string> Picture()
    {
        var lines = new List<string>();
        foreach (var account in Accounts)
        {
            var id = account.Id;
            var balance = account.Balance;
            var last = account.Statements.MaxBy(s => s.Date);
            var repaidSince = last is null ? 0m : -account.Entries.Where(e => e.Kind == "repayment" && e.BookedAt >= last.Cutoff).Sum(e => e.Amount);
            lines.Add(PassbookPicture.Balance(id, balance, Math.Max(0m, -balance), 0m, last?.Date, last?.Figures.ClosingBalance,
                last?.Figures.MinimumDue, repaidSince, last is null ? 0m : Math.Max(0m, last.Figures.MinimumDue - repaidSince)));
            lines.AddRange(account.Entries.Select(e => PassbookPicture.Entry(id, e.Kind, e.Amount, e.Reference)));
            lines.AddRange(Excesses.Where(x => x.AccountId == id).Select(x => PassbookPicture.Excess(id, x.PaymentId, x.Amount, x.Status)));
            lines.AddRange(account.Statements.Select(s => PassbookPicture.Statement(id, s.Date, s.Figures.OpeningBalance, s.Figures.Purchases,
                s.Figures.Repayments, s.Figures.Interest, s.Figures.Fees, s.Figures.ClosingBalance, s.Figures.MinimumDue, s.Figures.PastDue, s.Figures.DueDate)));
        }

        return PassbookPicture.Sorted(lines);
    }

    static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    static IReadOnlyList<DateOnly> StatementDates(DateOnly today)
    {
        var oneBack = StatementCalendar.PreviousStatementDate(today, today.Day);
        return [StatementCalendar.PreviousStatementDate(oneBack, today.Day), oneBack, today];
    }
}

public sealed class ModelAccount(string id, AccountSetup setup, int statementDay)
{
    public string Id { get; } = id;
    public AccountSetup Setup { get; } = setup;
    public int StatementDay { get; } = statementDay;
    public List<ModelEntry> Entries { get; } = [];
    public List<ModelStatement> Statements { get; } = [];
    public decimal Balance => Entries.Sum(e => e.Amount);
}

/// <param name="RecordedStep">The step that wrote it: a statement written at an earlier step has not seen it (a late posting).</param>
/// <param name="PostedBy">The statement date whose billing posted it (interest, late fee).</param>
public sealed record ModelEntry(string Kind, decimal Amount, string Reference, DateTimeOffset BookedAt, DateTimeOffset OccurredAt, int RecordedStep,
    DateOnly? PostedBy);

public sealed record ModelRepayment(string PaymentId, string AccountId, decimal Amount, DateTimeOffset PaidAt)
{
    public decimal Reversed { get; set; }
    public decimal Left => Amount - Reversed;
}

public sealed record ModelExcess(string PaymentId, string AccountId, decimal Amount)
{
    public required string Status { get; set; }
}

public sealed record ModelStatement(DateOnly Date, DateTimeOffset Cutoff, StatementFigures Figures, int Step);

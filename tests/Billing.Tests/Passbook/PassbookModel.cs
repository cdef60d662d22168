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

    /// <summary>Refunds another system (a disputes tool) asked for through POST /refunds, by their idempotency keys.</summary>
    public List<ModelRefund> Refunds { get; } = [];
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

    /// <summary>
    /// A new repayment: the account's reserved excesses cut back to the credit it had before it, its entry, the refunds of it others had paid before it was reported (RefundsPaidBefore), and the
    /// excess it leaves: the credit less the excesses still reserved, at most what is left of it after others' refunds.
    /// </summary>
    public ModelExcess? Repay(ModelRepayment repayment, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == repayment.AccountId);
        // A failed excess keeps its reservation only while the credit covers it: purchases may have spent it since (L1).
        ReleaseShortfall(account);
        Repayments.Add(repayment);
        Book(account, "repayment", -repayment.Amount, $"repayment:{repayment.PaymentId}", now, repayment.PaidAt);
        foreach (var before in Refunds.Where(r => r.PaymentId == repayment.PaymentId && r.Status == "refunded"))
            BookRefund(repayment, before.Amount, $"refund:{before.Key}:paid", now);
        return Reserve(account, repayment, moveNo: 0);
    }

    /// <summary>ExcessRefunds.Reserve: on <paramref name="account"/>, at most the credit and what others left of the payment.</summary>
    ModelExcess? Reserve(ModelAccount account, ModelRepayment repayment, int moveNo)
    {
        var credit = -account.Balance - Excesses.Where(x => x.AccountId == account.Id && x.PaymentId != repayment.PaymentId
            && ReservedStatuses.Contains(x.Status)).Sum(x => x.Amount);
        var left = repayment.Amount - repayment.Reversed - Refunds.Where(r => r.PaymentId == repayment.PaymentId && r.CountsAgainstPayment).Sum(r => r.Amount);
        if (credit <= 0 || left <= 0)
            return null;
        var amount = Math.Min(credit, left);
        // Swish refunds nothing under 1.00 SEK: the refund saga rejects the request.
        var excess = new ModelExcess(repayment.PaymentId, account.Id, amount, moveNo)
            { Status = repayment.Method == "swish" && amount < 1m ? "rejected" : "requested" };
        Excesses.Add(excess);
        return excess;
    }

    void BookRefund(ModelRepayment repayment, decimal amount, string reference, DateTimeOffset now)
    {
        Book(Accounts.Single(a => a.Id == repayment.AccountId), "refund", amount, reference, now);
        repayment.RefundBooked = true;
    }

    /// <summary>What the refund saga still lets anyone refund of a known payment: paid − reversed − every refund that counts.</summary>
    public decimal Refundable(ModelRepayment repayment) =>
        repayment.Amount - repayment.Reversed - Refunds.Where(r => r.PaymentId == repayment.PaymentId && r.CountsAgainstPayment).Sum(r => r.Amount)
        - Excesses.Where(x => x.PaymentId == repayment.PaymentId && x.CountsAgainstPayment).Sum(x => x.Amount);

    /// <summary>Billing's own refund of the payment is not settled: another system's refund of it is refused (409).</summary>
    public bool ExcessUnsettled(ModelRepayment repayment) =>
        Excesses.Any(x => x.PaymentId == repayment.PaymentId && x.Status is "pending" or "requested" or "failed");

    /// <summary>
    /// Another system's refund through POST /refunds, accepted: paid, it is booked on the account the payment is on now (if
    /// the passbook knows the payment yet) and the account's unpaid excesses are cut back to the credit left; declined, it
    /// books nothing and still counts against the payment (support may pay it).
    /// </summary>
    public ModelRefund OtherRefund(string key, string paymentId, decimal amount, bool paid, DateTimeOffset now)
    {
        var refund = new ModelRefund(key, paymentId, amount) { Status = paid ? "refunded" : "failed" };
        Refunds.Add(refund);
        if (paid && Repayments.SingleOrDefault(r => r.PaymentId == paymentId) is { } repayment)
        {
            BookRefund(repayment, amount, $"refund:{key}:paid", now);
            // The credit it gave back is no longer there for the account's unpaid excesses (ExcessCreditCheck).
            ReleaseShortfall(Accounts.Single(a => a.Id == repayment.AccountId));
        }
        return refund;
    }

    /// <summary>The provider's answer to an excess refund's first attempt.</summary>
    public void Outcome(ModelExcess excess, ExcessOutcome outcome, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == excess.AccountId);
        switch (outcome)
        {
            case ExcessOutcome.Paid:
                BookRefund(Payment(excess), excess.Amount, $"refund:{excess.PaymentId}:paid", now);
                excess.Status = "refunded";
                break;
            case ExcessOutcome.Declined:
                excess.Status = "failed";
                break;
            case ExcessOutcome.FailsLate:
                BookRefund(Payment(excess), excess.Amount, $"refund:{excess.PaymentId}:paid", now);
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
                BookRefund(Payment(excess), excess.Amount, $"refund:{excess.PaymentId}:paid", now);
                excess.Status = "refunded";
                break;
            case Settlement.ResolvedPaidElsewhere:
                BookRefund(Payment(excess), excess.Amount, $"refund:{excess.PaymentId}:paid-elsewhere", now);
                excess.Status = "refunded";
                break;
            default:
                excess.Status = "cancelled";
                break;
        }
    }

    /// <summary>
    /// A reversal: the positive entry, then the account's reserved excesses cut back to the credit it leaves
    /// (<see cref="ReleaseShortfall"/>).
    /// </summary>
    public void Reverse(ModelRepayment repayment, string reversalId, decimal amount, DateTimeOffset now)
    {
        var account = Accounts.Single(a => a.Id == repayment.AccountId);
        repayment.Reversed += amount;
        Book(account, "repayment", amount, $"repayment-reversal:{repayment.PaymentId}:{reversalId}", now);
        ReleaseShortfall(account);
    }

    /// <summary>
    /// ExcessRefunds.ReleaseShortfall: the account's reserved excesses, oldest first, kept while they fit in its credit and in
    /// what is left of their own payment (paid − reversed − the other refunds of it that count); the rest are cancelled (by
    /// the refund saga, for those it holds).
    /// </summary>
    void ReleaseShortfall(ModelAccount account)
    {
        var credit = Math.Max(0m, -account.Balance);
        var through = 0m;
        foreach (var excess in Excesses.Where(x => x.AccountId == account.Id && ReservedStatuses.Contains(x.Status)).ToList())
        {
            through += excess.Amount;
            var payment = Payment(excess);
            if (through > credit || excess.Amount > Refundable(payment) + (excess.CountsAgainstPayment ? excess.Amount : 0m))
                excess.Status = "cancelled";
        }
    }

    /// <summary>
    /// POST /repayments/{id}/move to <paramref name="to"/>: the refusals in the order the intake checks them, or the move (the
    /// two entries, the payment's own unpaid excess stopped, the wrong account's others cut to its credit, the right account's
    /// own excess reserved). Returns the HTTP status the service must answer.
    /// </summary>
    public (int Status, string Code, ModelExcess? Excess) Move(ModelRepayment repayment, ModelAccount to, DateTimeOffset now)
    {
        if (repayment.AccountId == to.Id)
            return repayment.MoveNo > 0 ? (200, "replayed", null) : (422, "same_account", null);
        if (repayment.Reversed > 0)
            return (422, "repayment_reversed", null);
        if (repayment.RefundBooked)
            return (422, "repayment_refunded", null);

        var from = Accounts.Single(a => a.Id == repayment.AccountId);
        var moveNo = ++repayment.MoveNo;
        Book(from, "repayment", repayment.Amount, $"repayment-move:{repayment.PaymentId}:{moveNo}:out", now, repayment.PaidAt);
        Book(to, "repayment", -repayment.Amount, $"repayment-move:{repayment.PaymentId}:{moveNo}:in", now, repayment.PaidAt);
        repayment.AccountId = to.Id;
        foreach (var own in Excesses.Where(x => x.PaymentId == repayment.PaymentId && ReservedStatuses.Contains(x.Status)))
            own.Status = "cancelled";
        ReleaseShortfall(from);
        return (201, "moved", Reserve(to, repayment, moveNo));
    }

    ModelRepayment Payment(ModelExcess excess) => Repayments.Single(r => r.PaymentId == excess.PaymentId);

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

/// <param name="AccountId">The account the payment is on now: a move changes it.</param>
public sealed record ModelRepayment(string PaymentId, string AccountId, decimal Amount, DateTimeOffset PaidAt, string Method = "card")
{
    public string AccountId { get; set; } = AccountId;
    public decimal Reversed { get; set; }
    public decimal Left => Amount - Reversed;

    /// <summary>Moves so far: the next one is number MoveNo + 1.</summary>
    public int MoveNo { get; set; }

    /// <summary>A refund entry of it (any refund's, paid or paid and failed) is on its account: it can no longer move.</summary>
    public bool RefundBooked { get; set; }
}

/// <param name="MoveNo">0 for the excess of the repayment as reported; n for the one its n-th move reserved on the right account.</param>
public sealed record ModelExcess(string PaymentId, string AccountId, decimal Amount, int MoveNo = 0)
{
    public required string Status { get; set; }

    /// <summary>The refund saga counts it against the payment: paid (or paid elsewhere), or failed and still to be paid.</summary>
    public bool CountsAgainstPayment => Status is "refunded" or "failed" or "requested" or "pending";
}

/// <summary>Another system's refund of a payment: refunded, or failed (declined; it still counts against the payment).</summary>
public sealed record ModelRefund(string Key, string PaymentId, decimal Amount)
{
    public required string Status { get; set; }
    public bool CountsAgainstPayment => Status is "refunded" or "failed";
}

public sealed record ModelStatement(DateOnly Date, DateTimeOffset Cutoff, StatementFigures Figures, int Step);

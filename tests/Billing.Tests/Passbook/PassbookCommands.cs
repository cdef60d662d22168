using CsCheck;

namespace Billing.Tests.Passbook;

/// <summary>
/// What the model-based test does to the service, one step at a time. Steps name repayments and excesses by their
/// position among those that exist when the step runs (taken modulo their number), so any generated sequence is valid:
/// a step with nothing to act on is skipped and says so in the trace.
/// </summary>
public abstract record Step;

/// <summary>How the card provider answers the refund of the excess this repayment leaves, if it leaves one.</summary>
public enum ExcessOutcome { Paid, Declined, FailsLate }

/// <summary>What support does with a failed excess refund.</summary>
public enum Settlement { Retry, ResolvedPaidElsewhere, ResolvedUnpaid, Cancel }

/// <param name="Method">card or swish: the excess refund goes back by the repayment's method (Swish cannot fail late).</param>
public sealed record Repay(int Account, decimal Amount, ExcessOutcome Excess, string Method = "card") : Step
{
    public override string ToString() => $"repay {Amount:0.00} by {Method} on a{Account + 1} (an excess would be {Excess})";
}

/// <summary>
/// A disputes tool refunds <see cref="Percent"/> % of what the refund service still lets it refund of a repayment (over
/// 100: more than that, refused), through POST /refunds; the provider pays it or declines it.
/// </summary>
public sealed record OtherRefund(int Pick, int Percent, bool Paid) : Step
{
    public override string ToString() => $"another system refunds {Percent} % of what is refundable of repayment #{Pick} ({(Paid ? "paid" : "declined")})";
}

/// <summary>
/// A disputes tool refunds <see cref="Percent"/> % of a card payment billing has not heard of yet, and the provider pays or
/// declines it; then the payment is reported: what the account owes plus <see cref="Over"/>, so its excess shows what the
/// refund left of the payment (its excess, if any, paid).
/// </summary>
public sealed record RefundFirst(int Account, decimal Over, int Percent, bool Paid) : Step
{
    public override string ToString() =>
        $"another system refunds {Percent} % of a payment of what a{Account + 1} owes + {Over:0.00} ({(Paid ? "paid" : "declined")}), then it is reported";
}

/// <summary>
/// A repayment moved to the account <see cref="Offset"/> places after the one it is on (0: that same account, refused unless
/// it was moved there), its excess there, if any, paid; or the last move sent again.
/// </summary>
public sealed record Move(int Pick, int Offset, bool Again) : Step
{
    public override string ToString() => Again ? "send the last move again" : $"move repayment #{Pick} {Offset} account(s) on";
}

/// <summary>An earlier repayment reported again: the same payment (a 200), or another one under its gateway id (a 409).</summary>
public sealed record ReportAgain(int Pick, bool Conflicting) : Step
{
    public override string ToString() => Conflicting ? $"report repayment #{Pick} again with another amount" : $"report repayment #{Pick} again";
}

/// <summary>A chargeback of <see cref="Percent"/> % of what is left of a repayment (when nothing is left, 1.00: refused).</summary>
public sealed record Reverse(int Pick, int Percent) : Step
{
    public override string ToString() => $"take back {Percent} % of what is left of repayment #{Pick}";
}

public sealed record Settle(int Pick, Settlement How) : Step
{
    public override string ToString() => $"support: {How} failed excess #{Pick}";
}

/// <summary>An entries import: a purchase <see cref="DaysBack"/> days before today (an old repayment: refused, review L3), or an earlier import again.</summary>
public sealed record Import(int Account, string Kind, decimal Amount, int DaysBack, bool Again) : Step
{
    public override string ToString() => Again ? "import the last imported entry again" : $"import a {Kind} of {Amount:0.00} on a{Account + 1}, {DaysBack} days back";
}

/// <summary>Bills the first statement date not billed yet, <see cref="Skip"/> dates further on (or a date billed already).</summary>
public sealed record Bill(int Skip) : Step
{
    public override string ToString() => Skip == 0 ? "bill the next statement date" : $"bill {Skip} statement date(s) past the next";
}

/// <param name="Zone">East of UTC or UTC, so every statement date up to today has passed its cut-off when the test runs.</param>
public sealed record AccountSetup(string Zone, decimal Apr, string DayCount, IReadOnlyList<(decimal Amount, int DaysBack)> Purchases)
{
    public override string ToString() =>
        $"{Zone}, apr {Apr}, {DayCount}, owes {string.Join(" + ", Purchases.Select(p => $"{p.Amount:0.00} ({p.DaysBack} days back)"))}";
}

public sealed record ModelCase(IReadOnlyList<AccountSetup> Accounts, IReadOnlyList<Step> Steps)
{
    public override string ToString() =>
        string.Join("\n", Accounts.Select((a, i) => $"  a{i + 1}: {a}").Concat(Steps.Select((s, i) => $"  {i + 1,2}. {s}")));
}

/// <summary>CsCheck generators of <see cref="ModelCase"/>s.</summary>
public static class PassbookGen
{
    static readonly Gen<decimal> Money = Gen.Frequency(
        (3, Gen.Int[1, 40].Select(i => i * 5m)),
        (2, Gen.Int[100, 40_000].Select(cents => cents / 100m)),
        (1, Gen.Int[40, 90].Select(i => i * 10m)));

    static Gen<AccountSetup> Account =>
        Gen.Select(Gen.OneOf("UTC", "Europe/Stockholm", "Asia/Kolkata"), Gen.OneOf(0m, 0.18m, 0.24m),
            Gen.OneOf("actual/365", "actual/360", "30/360"),
            Gen.Select(Gen.Int[20, 600].Select(i => i * 1m), Gen.Int[1, 92]).Array[1, 3],
            (zone, apr, dayCount, purchases) => new AccountSetup(zone, apr, dayCount, purchases));

    static Gen<Step> Steps(int accounts) => Gen.Frequency(
        (6, Gen.Select(Gen.Int[0, accounts - 1], Money, Gen.Frequency((3, Gen.Const(ExcessOutcome.Paid)), (3, Gen.Const(ExcessOutcome.Declined)),
            (2, Gen.Const(ExcessOutcome.FailsLate))), (a, m, o) => (Step)new Repay(a, m, o))),
        (2, Gen.Select(Gen.Int[0, accounts - 1], Money, Gen.OneOf(ExcessOutcome.Paid, ExcessOutcome.Declined),
            (a, m, o) => (Step)new Repay(a, m, o, "swish"))),
        (3, Gen.Select(Gen.Int[0, 20], Gen.OneOf(30, 100, 150), Gen.Frequency((3, Gen.Const(true)), (1, Gen.Const(false))),
            (p, pct, paid) => (Step)new OtherRefund(p, pct, paid))),
        // Declined as often as paid: a declined refund still counts against the payment, and only then does the excess show
        // the cap of what others left of it (a paid one takes the credit down by as much).
        (2, Gen.Select(Gen.Int[0, accounts - 1], Money, Gen.OneOf(20, 60, 100), Gen.Bool, (a, m, pct, paid) => (Step)new RefundFirst(a, m, pct, paid))),
        (4, Gen.Select(Gen.Int[0, 20], Gen.Frequency((1, Gen.Const(0)), (4, Gen.Int[1, accounts - 1])),
            Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))), (p, offset, again) => (Step)new Move(p, offset, again))),
        (2, Gen.Select(Gen.Int[0, 20], Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))), (p, c) => (Step)new ReportAgain(p, c))),
        (3, Gen.Select(Gen.Int[0, 20], Gen.OneOf(10, 50, 100), (p, pct) => (Step)new Reverse(p, pct))),
        (4, Gen.Select(Gen.Int[0, 20], Gen.Enum<Settlement>(), (p, how) => (Step)new Settle(p, how))),
        (3, Gen.Select(Gen.Int[0, accounts - 1], Gen.Frequency((4, Gen.Const("purchase")), (1, Gen.Const("repayment"))), Money, Gen.Int[1, 92],
            Gen.Frequency((5, Gen.Const(false)), (1, Gen.Const(true))), (a, k, m, d, again) => (Step)new Import(a, k, m, d, again))),
        (3, Gen.Frequency((4, Gen.Const(0)), (1, Gen.Int[1, 2])).Select(skip => (Step)new Bill(skip))));

    public static Gen<ModelCase> Case(int minSteps, int maxSteps) =>
        Gen.Int[2, 3].SelectMany(n => Gen.Select(Account.Array[n], Steps(n).Array[minSteps, maxSteps],
            (accounts, steps) => new ModelCase(accounts, steps)));
}

using System.Globalization;
using System.Text;
using Billing.Features.Passbook;

namespace Billing.Features.Accounts;

/// <summary>
/// Deterministic, realistic accounts for demos, benchmarks and tests: the same count, seed and statement date give
/// the same accounts, in order, streamed one at a time. Each account draws from a generator of its own (seed and
/// index), so the first 1,000 of 100,000 are the 1,000 of a smaller run.
/// </summary>
public static class AccountGenerator
{
    /// <summary>A fixed default: output must not depend on the day it is generated.</summary>
    public static readonly DateOnly DefaultStatementDate = new(2027, 1, 1);

    /// <param name="statementDate">
    /// When given, every account gets its day as statement day (one billing run on that date bills them all) and its
    /// history falls before it. When null, statement days vary over 1–31 around <see cref="DefaultStatementDate"/>.
    /// </param>
    public static IEnumerable<AccountInput> Generate(int accounts, int seed, DateOnly? statementDate = null) =>
        GenerateWithRepayments(accounts, seed, statementDate).Select(g => g.Account);

    /// <summary>
    /// The accounts with the repayments of their history beside them: an import takes no repayment (it is a gateway
    /// payment, reported through the repayment intake), so these are booked by <see cref="GeneratedHistory"/>.
    /// </summary>
    public static IEnumerable<GeneratedAccount> GenerateWithRepayments(int accounts, int seed, DateOnly? statementDate = null)
    {
        for (var i = 1; i <= accounts; i++)
            yield return One(i, seed, statementDate);
    }

    /// <summary>The method the history's repayments were paid by, so an overpaid one's excess goes back by card.</summary>
    public const string RepaymentMethod = "card";

    static readonly (string Currency, double Share, (string Zone, string Locale, string Phone)[] Places)[] Markets =
    [
        ("SEK", 0.80, [("Europe/Stockholm", "sv-SE", "+467"), ("Europe/Stockholm", "sv-SE", "+467"), ("Europe/Stockholm", "en-GB", "+467"), ("Asia/Kolkata", "en-IN", "+919")]),
        ("EUR", 0.08, [("Europe/Berlin", "de-DE", "+4915"), ("Europe/Helsinki", "fi-FI", "+35840"), ("Europe/Paris", "fr-FR", "+336")]),
        ("USD", 0.07, [("America/New_York", "en-US", "+1212"), ("America/Los_Angeles", "en-US", "+1310")]),
        ("NOK", 0.05, [("Europe/Oslo", "nb-NO", "+474")]),
    ];

    static readonly string[] FirstNames = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sofia", "Björn", "Elin", "Oskar", "Léa", "Jürgen", "Aarav", "Priya", "Emily", "Noah", "Ingrid", "Åsa", "Mikko", "Olivia"];
    static readonly string[] LastNames = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Müller", "Schmidt", "Dubois", "Virtanen", "Hansen", "Smith", "Johnson", "Sharma", "Patel", "Öberg", "Lindqvist", "Berg", "García"];
    static readonly string[] Merchants = ["ICA Maxi", "Coop", "SJ", "Systembolaget", "Clas Ohlson", "IKEA", "Apotek Hjärtat", "Spotify", "Circle K", "Elgiganten", "Amazon", "Zalando", "Uber", "Foodora"];

    static GeneratedAccount One(int index, int seed, DateOnly? fixedDate)
    {
        var rng = new SplitMix(unchecked(((ulong)(uint)seed << 32) ^ (ulong)index * 0x9E3779B97F4A7C15UL));
        var id = $"acc-{index:D6}";
        var market = PickMarket(rng.NextDouble());
        var (zone, locale, phonePrefix) = rng.Pick(market.Places);
        var anchor = fixedDate ?? DefaultStatementDate;
        var statementDay = fixedDate?.Day ?? rng.Next(1, 32);
        // The account's own statement date in the anchor's month (day 31 in a 30-day month is its last day).
        var statementDate = OnDay(anchor, statementDay);
        var previousDate = OnDay(anchor.AddMonths(-1), statementDay);
        var small = market.Currency is "EUR" or "USD";

        var profile = rng.NextDouble();
        var noContact = profile < 0.01;
        var overdue = profile is >= 0.01 and < 0.09;
        var overpaid = profile is >= 0.09 and < 0.12;
        var zero = profile is >= 0.12 and < 0.17;
        var heavy = profile is >= 0.17 and < 0.175;
        var isNew = !overdue && !heavy && rng.Chance(0.08);

        var first = rng.Pick(FirstNames);
        var last = rng.Pick(LastNames);
        var hasEmail = !noContact && !rng.Chance(0.10);
        var hasPhone = !noContact && (!hasEmail || !rng.Chance(0.08));
        var dueDays = rng.Next(21, 26);
        var minimumPercent = rng.Pick([0.01m, 0.02m, 0.03m]);
        var minimumFloor = small ? 15m : 150m;
        var loan = new LoanInput
        {
            Currency = market.Currency,
            CreditLimit = rng.Next(10, 200) * (small ? 50m : 500m),
            Apr = rng.Next(9, 30) / 100m,
            DayCount = rng.NextDouble() switch { < 0.9 => "actual/365", < 0.95 => "actual/360", _ => "30/360" },
            StatementDay = statementDay,
            TimeZone = zone,
            MinimumPercent = minimumPercent,
            MinimumFloor = minimumFloor,
            LateFee = small ? 6m : 60m,
            DueDays = dueDays,
            OpenedOn = isNew ? previousDate.AddDays(rng.Next(1, 8)) : previousDate.AddDays(-rng.Next(40, 1500)),
        };

        var entries = new List<EntryInput>();
        var n = 0;
        void Add(string kind, decimal amount, DateOnly day, string? description)
        {
            var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(rng.Next(6, 22), rng.Next(0, 60), rng.Next(0, 60))), TimeSpan.Zero);
            entries.Add(new EntryInput { AccountId = id, Ref = $"{id}-{++n:D4}", Kind = kind, Amount = amount, OccurredAt = at, Description = description });
        }

        decimal Purchase() => (small ? rng.Next(300, 20000) : rng.Next(2000, 200000)) / 100m * (rng.Chance(0.1) ? 3 : 1);

        // Before the previous statement (a day's margin either side, so no entry straddles a cut-off).
        var (before, after) = zero && rng.Chance(0.5) ? (0, 0) : heavy ? (rng.Next(100, 300), rng.Next(100, 300)) : (rng.Next(3, 14), rng.Next(3, 14));
        if (isNew)
            before = 0;
        for (var k = 0; k < before; k++)
            Add("purchase", Purchase(), previousDate.AddDays(-rng.Next(2, 31)), rng.Pick(Merchants));
        var closing = entries.Sum(e => e.Amount!.Value);
        PreviousStatementInput? previous = null;
        decimal minimum = 0;
        if (!isNew && (entries.Count > 0 || overdue))
        {
            minimum = closing <= 0 ? 0 : Math.Min(closing, Math.Max(minimumFloor, decimal.Round(closing * minimumPercent, 2)));
            previous = new PreviousStatementInput
            {
                StatementDate = previousDate, ClosingBalance = closing, MinimumDue = minimum, DueDate = previousDate.AddDays(dueDays),
            };
        }

        var afterDays = statementDate.DayNumber - previousDate.DayNumber;
        for (var k = 0; k < after; k++)
            Add("purchase", Purchase(), previousDate.AddDays(rng.Next(1, afterDays - 1)), rng.Pick(Merchants));
        if (entries.Count > 0 && rng.Chance(0.05))
            Add("adjustment", -rng.Next(100, 5000) / 100m, previousDate.AddDays(rng.Next(1, afterDays - 1)), "Merchant credit");

        var owed = entries.Sum(e => e.Amount!.Value);
        var payDay = previousDate.AddDays(rng.Next(2, dueDays));
        if (overpaid && owed > 0)
            Add("repayment", -(owed + rng.Next(1000, 50000) / 100m), payDay, "Repayment");
        else if (zero && owed > 0)
            Add("repayment", -owed, payDay, "Repayment in full");
        else if (!overdue && minimum > 0)
            Add("repayment", -(rng.Chance(0.4) ? closing : Math.Max(minimum, decimal.Round(closing * (decimal)rng.NextDouble(), 2))), payDay, "Repayment");
        else if (overdue && minimum > 1 && rng.Chance(0.3))
            // Paid something, but less than the minimum: still overdue.
            Add("repayment", -decimal.Round(minimum / 2, 2), payDay, "Part repayment");

        // Drawn as entries (so the rest of the history is the same as before repayments left the import), then handed
        // over as gateway payments: the old ref is the gateway id.
        var ordered = entries.OrderBy(e => e.OccurredAt).ThenBy(e => e.Ref, StringComparer.Ordinal).ToList();
        var repayments = ordered.Where(e => e.Kind == "repayment")
            .Select(e => new RepaymentReport(id, -e.Amount!.Value, market.Currency, $"gen-{e.Ref}", RepaymentMethod,
                RepaymentReport.ToMicroseconds(e.OccurredAt!.Value), "generator"))
            .ToList();
        return new(new AccountInput
        {
            AccountId = id,
            Name = $"{first} {last}",
            Email = hasEmail ? $"{Ascii(first)}.{Ascii(last)}.{index}@example.com".ToLowerInvariant() : null,
            Phone = hasPhone ? phonePrefix + (index % 10_000_000).ToString("D7", CultureInfo.InvariantCulture) + rng.Next(0, 10) : null,
            SmsOptIn = !rng.Chance(0.12),
            EmailOptIn = !rng.Chance(0.05),
            WhatsAppOptIn = rng.Chance(0.55),
            Locale = locale,
            Loan = loan,
            PreviousStatement = previous,
            Entries = ordered.Where(e => e.Kind != "repayment").ToList(),
        }, repayments);
    }

    static (string Currency, double Share, (string Zone, string Locale, string Phone)[] Places) PickMarket(double u)
    {
        foreach (var market in Markets)
            if ((u -= market.Share) < 0)
                return market;
        return Markets[0];
    }

    static DateOnly OnDay(DateOnly month, int day) =>
        new(month.Year, month.Month, Math.Min(day, DateTime.DaysInMonth(month.Year, month.Month)));

    static string Ascii(string name) =>
        new(name.Normalize(NormalizationForm.FormD).Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray());
}

/// <param name="Repayments">The history's repayments, as the gateway would have reported them.</param>
public sealed record GeneratedAccount(AccountInput Account, IReadOnlyList<RepaymentReport> Repayments);

using Billing.Features.StatementPdfs;

namespace Billing.Tests.StatementPdfs;

/// <summary>Statements with figures a reader can check by eye, and lines whose descriptions name the statement.</summary>
static class StatementSamples
{
    public static StatementDocument Swedish(string accountId = "ACC-SE-1", int lines = 6) => new(
        StatementId: Guid.NewGuid(),
        AccountId: accountId,
        HolderName: "Åsa Öberg",
        Locale: "sv-SE",
        Currency: "SEK",
        PeriodStart: new DateOnly(2026, 10, 31),
        StatementDate: new DateOnly(2026, 11, 30),
        DueDate: new DateOnly(2026, 12, 25),
        OpeningBalance: 1234.56m,
        Purchases: 4321.10m,
        Repayments: 1000.00m,
        Refunds: 250.25m,
        Interest: 38.40m,
        Fees: 45.00m,
        Adjustments: 0m,
        ClosingBalance: 4388.81m,
        MinimumDue: 438.88m,
        PastDue: 0m,
        CreditLimit: 25000m,
        Apr: 0.1995m,
        PaymentReference: "4455 6677 8899",
        Lines: Lines(accountId, lines, new DateOnly(2026, 10, 31)));

    public static StatementDocument British(string accountId = "ACC-GB-1", int lines = 6) => Swedish(accountId, lines) with
    {
        HolderName = "Olivia Hart",
        Locale = "en-GB",
        Currency = "GBP",
    };

    /// <summary>Each description carries the account and the line number, so a neighbour's line is recognisable.</summary>
    public static IReadOnlyList<StatementLine> Lines(string accountId, int count, DateOnly from) =>
        Enumerable.Range(1, count)
            .Select(i => new StatementLine(
                from.AddDays(i % 30),
                i % 7 == 0 ? "repayment" : "purchase",
                $"{accountId} shop {i:000}",
                i % 7 == 0 ? -(100m + i) : 10m + i + 0.25m))
            .ToArray();
}

using System.Globalization;
using System.Text.Json;

namespace Billing.Tests.Passbook;

/// <summary>
/// The state the model-based test compares, one fact a line, written the same way from the model and from the service:
/// each account's balance (as <c>GET /accounts/{id}/balance</c> answers), its passbook entries by kind, amount and
/// reference (a refund's provider id left out: the model cannot know it), its excess refunds and its statements.
/// </summary>
public static class PassbookPicture
{
    public static string Balance(string account, decimal balance, decimal credit, decimal inFlight, DateOnly? statement, decimal? closing,
        decimal? minimum, decimal repaidSince, decimal dueNow) =>
        $"{account} balance {M(balance)} credit {M(credit)} in flight {M(inFlight)} | " + (statement is null
            ? "no statement"
            : $"last statement {statement:yyyy-MM-dd} closing {M(closing!.Value)} minimum {M(minimum!.Value)} repaid since {M(repaidSince)} due now {M(dueNow)}");

    public static string Entry(string account, string kind, decimal amount, string reference) => $"{account} entry {kind} {M(amount)} {reference}";

    public static string Excess(string account, string payment, decimal amount, string status) => $"{account} excess {payment} {M(amount)} {status}";

    public static string Statement(string account, DateOnly date, decimal opening, decimal purchases, decimal repayments, decimal interest, decimal fees,
        decimal closing, decimal minimum, decimal pastDue, DateOnly dueDate) =>
        $"{account} statement {date:yyyy-MM-dd} opening {M(opening)} purchases {M(purchases)} repayments {M(repayments)} interest {M(interest)} fees {M(fees)} " +
        $"closing {M(closing)} minimum {M(minimum)} past due {M(pastDue)} due {dueDate:yyyy-MM-dd}";

    public static IReadOnlyList<string> Sorted(IEnumerable<string> lines) => lines.Order(StringComparer.Ordinal).ToList();

    /// <summary>The service's state in the same lines: the passbook, excesses and statements from Postgres, balances from the API.</summary>
    /// <param name="refundNames">Other systems' refunds: refund id → the idempotency key the model names them by.</param>
    public static async Task<IReadOnlyList<string>> Of(PassbookStack passbook, IEnumerable<string> accounts,
        IReadOnlyDictionary<string, string>? refundNames = null)
    {
        refundNames ??= new Dictionary<string, string>();
        var lines = new List<string>();
        var excessOf = new Dictionary<string, string>();
        await using (var command = passbook.Stack.Ground.DataSource.CreateCommand(
                         "select account_id, gateway_payment_id, amount, status, refund_id::text from billing.excess_refund"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
            {
                lines.Add(Excess(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetString(3)));
                excessOf[reader.GetString(4)] = reader.GetString(1);
            }

        await using (var command = passbook.Stack.Ground.DataSource.CreateCommand("""
                         select e.account_id, e.kind, e.amount, e.external_ref, s.statement_date
                         from billing.passbook_entry e left join billing.statement s on s.statement_id = e.statement_id
                         """))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                lines.Add(Entry(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2),
                    Reference(reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateOnly>(4), excessOf, refundNames)));

        await using (var command = passbook.Stack.Ground.DataSource.CreateCommand("""
                         select account_id, statement_date, opening_balance, purchases, repayments, interest, fees, closing_balance, minimum_due,
                                past_due, due_date
                         from billing.statement
                         """))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                lines.Add(Statement(reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetDecimal(2), reader.GetDecimal(3),
                    reader.GetDecimal(4), reader.GetDecimal(5), reader.GetDecimal(6), reader.GetDecimal(7), reader.GetDecimal(8),
                    reader.GetDecimal(9), reader.GetFieldValue<DateOnly>(10)));

        foreach (var account in accounts)
        {
            var b = await passbook.Balance(account);
            var last = b.GetProperty("lastStatement");
            lines.Add(last.ValueKind == JsonValueKind.Null
                ? Balance(account, D(b, "balance"), D(b, "credit"), D(b, "excessRefundsInFlight"), null, null, null, 0m, 0m)
                : Balance(account, D(b, "balance"), D(b, "credit"), D(b, "excessRefundsInFlight"),
                    DateOnly.Parse(last.GetProperty("statementDate").GetString()!, CultureInfo.InvariantCulture), D(last, "closingBalance"),
                    D(last, "minimumDue"), D(last, "repaidSinceCutoff"), D(b, "dueNow")));
        }

        return Sorted(lines);
    }

    /// <summary>
    /// What the model can know of a reference: a refund's provider refund id becomes <c>paid</c>, the refund id the excess's
    /// repayment (or another system's idempotency key); interest and late fees are named by the statement that posted them.
    /// </summary>
    static string Reference(string reference, DateOnly? postedBy, IReadOnlyDictionary<string, string> excessOf,
        IReadOnlyDictionary<string, string> refundNames)
    {
        var parts = reference.Split(':');
        string Payment(string refundId) => excessOf.TryGetValue(refundId, out var payment) ? payment
            : refundNames.TryGetValue(refundId, out var key) ? key : $"(refund {refundId}, unknown)";
        return parts[0] switch
        {
            "refund" when parts.Length >= 2 => $"refund:{Payment(parts[1])}:{(parts.Length > 2 && parts[2] == "paid-elsewhere" ? "paid-elsewhere" : "paid")}",
            "refund-reversal" when parts.Length >= 2 => $"refund-reversal:{Payment(parts[1])}",
            "interest" => $"interest@{postedBy:yyyy-MM-dd}",
            "late-fee" => $"late-fee@{postedBy:yyyy-MM-dd}",
            _ => reference,
        };
    }

    /// <summary>The lines one side has and the other has not (as multisets), for a failure message.</summary>
    public static string Diff(IReadOnlyList<string> model, IReadOnlyList<string> service)
    {
        var missing = Minus(model, service);
        var unexpected = Minus(service, model);
        if (missing.Count == 0 && unexpected.Count == 0)
            return "";
        return "\n  the model has, the service has not:\n" + string.Join("\n", missing.Select(l => "    - " + l)) +
               "\n  the service has, the model has not:\n" + string.Join("\n", unexpected.Select(l => "    + " + l));
    }

    static List<string> Minus(IReadOnlyList<string> left, IReadOnlyList<string> right)
    {
        var remaining = right.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var line in left)
            if (remaining.TryGetValue(line, out var n) && n > 0)
                remaining[line] = n - 1;
            else
                result.Add(line);
        return result;
    }

    static decimal D(JsonElement element, string property) => element.GetProperty(property).GetDecimal();

    static string M(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}

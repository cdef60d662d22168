using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using CsvHelper.Configuration;

namespace Billing.Features.Accounts;

/// <summary>
/// accounts.csv (one row per account with its loan and, optionally, its previous statement) and entries.csv,
/// told apart by their header row. Read and written with CsvHelper (RFC 4180); an empty field is "not given".
/// </summary>
public static class AccountsCsv
{
    public static readonly string[] AccountColumns =
    [
        "account_id", "name", "email", "phone", "sms_opt_in", "email_opt_in", "whatsapp_opt_in", "locale",
        "currency", "credit_limit", "apr", "day_count", "statement_day", "time_zone", "minimum_percent", "minimum_floor",
        "late_fee", "due_days", "opened_on",
        "previous_statement_date", "previous_closing_balance", "previous_minimum_due", "previous_due_date",
    ];

    static readonly string[] RequiredAccountColumns = ["account_id", "name", "currency", "credit_limit", "apr", "statement_day", "time_zone", "opened_on"];

    public static readonly string[] EntryColumns = ["account_id", "ref", "kind", "amount", "occurred_at", "description"];

    public enum FileKind { Accounts, Entries }

    static CsvConfiguration Configuration => new(CultureInfo.InvariantCulture) { DetectColumnCountChanges = false };

    /// <summary>Which of the two files this header row is; a header that is neither is a malformed file.</summary>
    public static FileKind Recognise(string[] header, string name)
    {
        var unknown = header.Except(AccountColumns).Except(EntryColumns).ToList();
        if (unknown.Count > 0)
            throw new ImportFormatException($"{name}: unknown column(s) {string.Join(", ", unknown)} in the header row.");
        if (header.Contains("credit_limit"))
        {
            var missing = RequiredAccountColumns.Except(header).ToList();
            return missing.Count == 0 ? FileKind.Accounts
                : throw new ImportFormatException($"{name}: an accounts.csv header lacks {string.Join(", ", missing)}.");
        }

        if (header.Contains("ref") || header.Contains("kind"))
        {
            var missing = EntryColumns.Except(header).ToList();
            return missing.Count == 0 ? FileKind.Entries
                : throw new ImportFormatException($"{name}: an entries.csv header lacks {string.Join(", ", missing)}.");
        }

        throw new ImportFormatException($"{name}: the header row is neither accounts.csv's ({string.Join(",", RequiredAccountColumns)}, …) nor entries.csv's ({string.Join(",", EntryColumns)}).");
    }

    /// <summary>The kind of a CSV file by its first line, without reading further.</summary>
    public static FileKind Peek(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration);
        if (!csv.Read() || !csv.ReadHeader())
            throw new ImportFormatException($"{path} is empty.");
        return Recognise(csv.HeaderRecord!, path);
    }

    public static async IAsyncEnumerable<ImportRow> Read(Stream stream, string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var text = new StreamReader(stream, leaveOpen: true);
        using var csv = new CsvReader(text, Configuration);
        if (!await Advance(csv, name) || !csv.ReadHeader())
            throw new ImportFormatException($"{name} is empty (no header row).");
        var header = csv.HeaderRecord!;
        var kind = Recognise(header, name);
        var column = header.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);

        while (await Advance(csv, name))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var where = $"{name} line {csv.Parser.RawRow}";
            if (csv.Parser.Count != header.Length)
            {
                yield return new UnreadableRow(where, $"{csv.Parser.Count} fields where the header has {header.Length}");
                continue;
            }

            var fields = new Fields(csv, column);
            ImportRow row;
            try
            {
                row = kind == FileKind.Accounts ? AccountFrom(fields, where) : EntryFrom(fields, where);
            }
            catch (BadDataException ex)
            {
                // CsvHelper reads a record's fields when asked, so a quote inside an unquoted field throws here, not in Advance.
                row = new UnreadableRow(where, $"a field holds a quote but is not quoted as a whole (write it \"like \"\"this\"\"\"): {ex.Field?.Trim()}");
            }

            yield return fields.Problems.Count > 0 && row is not UnreadableRow ? new UnreadableRow(where, string.Join("; ", fields.Problems)) : row;
        }
    }

    static async Task<bool> Advance(CsvReader csv, string name)
    {
        try
        {
            return await csv.ReadAsync();
        }
        catch (CsvHelperException ex)
        {
            throw new ImportFormatException($"{name} is not valid CSV near line {csv.Parser.RawRow}: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    static AccountRow AccountFrom(Fields f, string where)
    {
        var previousDate = f.Date("previous_statement_date");
        var closing = f.Decimal("previous_closing_balance");
        var minimum = f.Decimal("previous_minimum_due");
        var due = f.Date("previous_due_date");
        var account = new AccountInput
        {
            AccountId = f.Text("account_id"), Name = f.Text("name"), Email = f.Text("email"), Phone = f.Text("phone"),
            SmsOptIn = f.Bool("sms_opt_in"), EmailOptIn = f.Bool("email_opt_in"), WhatsAppOptIn = f.Bool("whatsapp_opt_in"),
            Locale = f.Text("locale"),
            Loan = new LoanInput
            {
                Currency = f.Text("currency"), CreditLimit = f.Decimal("credit_limit"), Apr = f.Decimal("apr"),
                DayCount = f.Text("day_count"), StatementDay = f.Int("statement_day"), TimeZone = f.Text("time_zone"),
                MinimumPercent = f.Decimal("minimum_percent"), MinimumFloor = f.Decimal("minimum_floor"),
                LateFee = f.Decimal("late_fee"), DueDays = f.Int("due_days"), OpenedOn = f.Date("opened_on"),
            },
            PreviousStatement = previousDate is null && closing is null && minimum is null && due is null ? null
                : new PreviousStatementInput { StatementDate = previousDate, ClosingBalance = closing, MinimumDue = minimum, DueDate = due },
        };
        return new AccountRow(where + (account.AccountId is { } id ? $" ({id})" : ""), account);
    }

    static EntryRow EntryFrom(Fields f, string where)
    {
        var entry = new EntryInput
        {
            AccountId = f.Text("account_id"), Ref = f.Text("ref"), Kind = f.Text("kind"), Amount = f.Decimal("amount"),
            OccurredAt = f.Instant("occurred_at"), Description = f.Text("description"),
        };
        return new EntryRow(where + (entry.Ref is { } r ? $" ({r})" : ""), entry);
    }

    /// <summary>One record's fields by column name; a field that does not parse is noted, not thrown.</summary>
    sealed class Fields(CsvReader csv, Dictionary<string, int> column)
    {
        public List<string> Problems { get; } = [];

        public string? Text(string name) => column.TryGetValue(name, out var i) && csv.GetField(i) is { Length: > 0 } value ? value : null;

        public decimal? Decimal(string name) => Parse(name, "a number (12.50)",
            (string s, out decimal v) => decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out v));

        public int? Int(string name) => Parse(name, "a whole number",
            (string s, out int v) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v));

        public bool? Bool(string name) => Parse<bool>(name, "true or false", bool.TryParse);

        public DateOnly? Date(string name) => Parse(name, "a date (2026-01-31)",
            (string s, out DateOnly v) => DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out v));

        // An instant without an offset would mean different moments in different time zones: it must say which.
        public DateTimeOffset? Instant(string name) => Parse<DateTimeOffset>(name, InstantWithOffset.Expected, InstantWithOffset.TryParse);

        delegate bool TryParse<T>(string text, out T value);

        T? Parse<T>(string name, string expected, TryParse<T> parse) where T : struct
        {
            if (Text(name) is not { } text)
                return null;
            if (parse(text.Trim(), out var value))
                return value;
            Problems.Add($"{name} '{text}' is not {expected}");
            return null;
        }
    }

    /// <summary>Writes accounts.csv and entries.csv as <see cref="Read"/> reads them back.</summary>
    public sealed class Writer : IDisposable
    {
        readonly CsvWriter _accounts;
        readonly CsvWriter _entries;

        public Writer(TextWriter accounts, TextWriter entries)
        {
            _accounts = new CsvWriter(accounts, Configuration);
            _entries = new CsvWriter(entries, Configuration);
            WriteRow(_accounts, AccountColumns);
            WriteRow(_entries, EntryColumns);
        }

        public void Write(AccountInput a)
        {
            var loan = a.Loan!;
            var previous = a.PreviousStatement;
            WriteRow(_accounts,
            [
                a.AccountId, a.Name, a.Email, a.Phone, F(a.SmsOptIn), F(a.EmailOptIn), F(a.WhatsAppOptIn), a.Locale,
                loan.Currency, F(loan.CreditLimit), F(loan.Apr), loan.DayCount, F(loan.StatementDay), loan.TimeZone,
                F(loan.MinimumPercent), F(loan.MinimumFloor), F(loan.LateFee), F(loan.DueDays), F(loan.OpenedOn),
                F(previous?.StatementDate), F(previous?.ClosingBalance), F(previous?.MinimumDue), F(previous?.DueDate),
            ]);
            foreach (var e in a.Entries ?? [])
                WriteRow(_entries, [a.AccountId, e.Ref, e.Kind, F(e.Amount), e.OccurredAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), e.Description]);
        }

        static string? F<T>(T? value) where T : struct, IFormattable =>
            value?.ToString(typeof(T) == typeof(DateOnly) ? "yyyy-MM-dd" : null, CultureInfo.InvariantCulture);

        static string? F(bool? value) => value is { } b ? (b ? "true" : "false") : null;

        static void WriteRow(CsvWriter csv, IEnumerable<string?> fields)
        {
            foreach (var field in fields)
                csv.WriteField(field ?? "");
            csv.NextRecord();
        }

        public void Dispose()
        {
            _accounts.Dispose();
            _entries.Dispose();
        }
    }
}

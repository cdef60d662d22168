using Billing.Features.Scheduling;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Features.Accounts;

/// <summary>
/// Loads accounts, loans, previous statements and passbook entries from any source of rows (a JSON or CSV file, the
/// API's body, the generator) in one transaction: rows are validated as they stream in and copied (binary COPY) into
/// temp tables, then merged with insert … select … on conflict. A rejected row or a conflicting entry rolls back
/// everything, so a file is imported whole or not at all, and importing it again changes nothing.
/// </summary>
public sealed class AccountImporter(NpgsqlDataSource dataSource)
{
    public const int MaxListed = 100;

    // statement_id of an imported previous statement: the same account and date always give the same id.
    static readonly Guid ImportedStatementNamespace = new("7b4f2f0e-5a51-4c1e-9a0c-0d1f0e6a1c11");

    public static Guid StatementIdFor(string accountId, DateOnly statementDate) =>
        NameBasedGuid.Create(ImportedStatementNamespace, $"{accountId}/{statementDate:yyyy-MM-dd}");

    public async Task<ImportReport> Import(IAsyncEnumerable<ImportRow> rows, IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, ImportSql.CreateTempTables, cancellationToken);

        var read = await ReadInto(connection, rows, progress, cancellationToken);
        if (read.Rejected.Count > 0)
            return Refused(read.Rejected);

        progress?.Report(new("checking", read.Accounts.Count, read.Entries));
        await CopyAccounts(connection, read.Accounts, cancellationToken);
        await Execute(connection, "analyze import_account; analyze import_entry", cancellationToken);

        var currencyChanges = new Rejections();
        await foreach (var (id, reason) in Query(connection, ImportSql.CurrencyChanges, r => (r.GetString(0), r.GetString(1)), cancellationToken))
            currencyChanges.Add($"account {id}", reason);
        if (currencyChanges.Count > 0)
            return Refused(currencyChanges);

        var conflicts = new List<Conflict>();
        long conflicting = 0;
        await foreach (var (reference, reason, total) in Query(connection, ImportSql.Conflicts, r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), cancellationToken))
        {
            conflicts.Add(new(reference, reason));
            conflicting = total;
        }

        if (conflicting > 0)
            return new ImportReport { EntriesConflicting = conflicting, Conflicts = conflicts };

        progress?.Report(new("writing", read.Accounts.Count, read.Entries));
        await Execute(connection, ImportSql.LockLoansAndReadClock, cancellationToken);
        await Execute(connection, ImportSql.UpsertAccounts, cancellationToken);
        await Execute(connection, ImportSql.UpsertLoans, cancellationToken);
        var (created, updated) = await Single(connection, ImportSql.CountTouched, r => (r.GetInt32(0), r.GetInt32(1)), cancellationToken);
        var (statementsCreated, statementsUpdated) = await Single(connection, ImportSql.UpsertStatements, r => (r.GetInt32(0), r.GetInt32(1)), cancellationToken);
        long added = await Execute(connection, ImportSql.InsertEntries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        progress?.Report(new("done", read.Accounts.Count, read.Entries));

        return new ImportReport
        {
            Written = true,
            AccountsCreated = created,
            AccountsUpdated = updated,
            AccountsUnchanged = read.Accounts.Count - created - updated,
            StatementsCreated = statementsCreated,
            StatementsUpdated = statementsUpdated,
            EntriesAdded = added,
            EntriesAlreadyPresent = read.Entries - added,
        };
    }

    static ImportReport Refused(Rejections rejected) => new() { RejectedCount = rejected.Count, Rejected = rejected.Listed };

    sealed record ReadResult(List<ValidAccount> Accounts, long Entries, Rejections Rejected);

    /// <summary>A validated account and its place in the import; kept in memory (small) while the entries stream to COPY.</summary>
    sealed record ValidAccount(AccountInput Input, int Ordinal);

    async Task<ReadResult> ReadInto(NpgsqlConnection connection, IAsyncEnumerable<ImportRow> rows, IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var accounts = new List<ValidAccount>();
        // Every account id seen in this import, with its currency (null when the account itself was rejected).
        var inImport = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var stored = new StoredCurrencies(dataSource);
        var rejected = new Rejections();
        long entries = 0;

        await using var copy = await connection.BeginBinaryImportAsync(ImportSql.CopyEntries, cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            switch (row)
            {
                case UnreadableRow unreadable:
                    rejected.Add(unreadable.Where, unreadable.Reason);
                    break;

                case AccountRow { Account: var account } accountRow:
                    var problems = AccountRules.Problems(account);
                    if (account.AccountId is { } id && inImport.ContainsKey(id))
                        problems.Add($"account {id} comes twice in this import");
                    if (problems.Count > 0)
                        rejected.Add(accountRow.Where, string.Join("; ", problems));
                    else
                        accounts.Add(new ValidAccount(account, accounts.Count));
                    if (account.AccountId is { } seen)
                        inImport.TryAdd(seen, problems.Count > 0 ? null : account.Loan!.Currency);
                    if (accounts.Count % 1000 == 0)
                        progress?.Report(new("reading", accounts.Count, entries));
                    break;

                case EntryRow { Entry: var entry } entryRow:
                    string? currency = null;
                    var accountProblem = (string?)null;
                    if (entry.AccountId is { } accountId)
                    {
                        if (inImport.TryGetValue(accountId, out currency))
                        {
                            // Its account was rejected and says why; the entry's own faults can wait for the next try.
                            if (currency is null)
                                break;
                        }
                        else if ((currency = await stored.Of(accountId, cancellationToken)) is null)
                            accountProblem = $"account {accountId} is neither in this import (before its entries) nor in the database";
                    }

                    var entryProblems = AccountRules.Problems(entry, currency);
                    if (accountProblem is not null)
                        entryProblems.Insert(0, accountProblem);
                    if (entryProblems.Count > 0)
                    {
                        rejected.Add(entryRow.Where, string.Join("; ", entryProblems));
                        break;
                    }

                    entries++;
                    // Once the import is refused, rows are only checked: their messages are the useful output.
                    if (rejected.Count == 0)
                        await WriteEntry(copy, entry, currency!, cancellationToken);
                    break;
            }
        }

        // Disposed without completing, the COPY is cancelled and the rollback follows.
        if (rejected.Count == 0)
            await copy.CompleteAsync(cancellationToken);
        return new ReadResult(accounts, entries, rejected);
    }

    static async Task WriteEntry(NpgsqlBinaryImporter copy, EntryInput e, string currency, CancellationToken cancellationToken)
    {
        await copy.StartRowAsync(cancellationToken);
        await copy.WriteAsync(e.AccountId!, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(e.Kind!, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(e.Amount!.Value, NpgsqlDbType.Numeric, cancellationToken);
        await copy.WriteAsync(currency, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(e.Ref!, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(e.OccurredAt!.Value.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
        await Nullable(copy, e.Description, NpgsqlDbType.Text, cancellationToken);
    }

    static async Task CopyAccounts(NpgsqlConnection connection, List<ValidAccount> accounts, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(ImportSql.CopyAccounts, cancellationToken);
        foreach (var (a, ordinal) in accounts)
        {
            var loan = a.Loan!;
            var previous = a.PreviousStatement;
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(ordinal, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(a.AccountId!, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(a.Name!, NpgsqlDbType.Text, cancellationToken);
            await Nullable(copy, Blank(a.Email), NpgsqlDbType.Text, cancellationToken);
            await Nullable(copy, Blank(a.Phone), NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(a.SmsOptIn ?? AccountDefaults.SmsOptIn, NpgsqlDbType.Boolean, cancellationToken);
            await copy.WriteAsync(a.EmailOptIn ?? AccountDefaults.EmailOptIn, NpgsqlDbType.Boolean, cancellationToken);
            await copy.WriteAsync(a.WhatsAppOptIn ?? AccountDefaults.WhatsAppOptIn, NpgsqlDbType.Boolean, cancellationToken);
            await copy.WriteAsync(Blank(a.Locale) ?? AccountDefaults.Locale, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(loan.Currency!, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(loan.CreditLimit!.Value, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(loan.Apr!.Value, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(loan.DayCount ?? AccountDefaults.DayCount, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync((short)loan.StatementDay!.Value, NpgsqlDbType.Smallint, cancellationToken);
            await copy.WriteAsync(loan.TimeZone!, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(loan.MinimumPercent ?? AccountDefaults.MinimumPercent, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(loan.MinimumFloor ?? AccountDefaults.MinimumFloor, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(loan.LateFee ?? AccountDefaults.LateFee, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync((short)(loan.DueDays ?? AccountDefaults.DueDays), NpgsqlDbType.Smallint, cancellationToken);
            await copy.WriteAsync(loan.OpenedOn!.Value, NpgsqlDbType.Date, cancellationToken);
            if (previous is null)
            {
                for (var i = 0; i < 5; i++)
                    await copy.WriteNullAsync(cancellationToken);
                continue;
            }

            await copy.WriteAsync(StatementIdFor(a.AccountId!, previous.StatementDate!.Value), NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(previous.StatementDate!.Value, NpgsqlDbType.Date, cancellationToken);
            await copy.WriteAsync(previous.ClosingBalance!.Value, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(previous.MinimumDue!.Value, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(previous.DueDate!.Value, NpgsqlDbType.Date, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    static async Task Nullable(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken)
    {
        if (value is null)
            await copy.WriteNullAsync(cancellationToken);
        else
            await copy.WriteAsync(value, type, cancellationToken);
    }

    static async Task<int> Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    static async Task<T> Single<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await foreach (var value in Query(connection, sql, map, cancellationToken))
            return value;
        throw new InvalidOperationException("The query returned no row.");
    }

    static async IAsyncEnumerable<T> Query<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return map(reader);
    }

    /// <summary>Rejected rows: all counted, the first <see cref="MaxListed"/> kept for the report.</summary>
    sealed class Rejections
    {
        public List<Rejection> Listed { get; } = [];
        public int Count { get; private set; }

        public void Add(string where, string reason)
        {
            if (++Count <= MaxListed)
                Listed.Add(new(where, reason));
        }
    }

    /// <summary>The loan currency of accounts already stored, for entries of accounts this import does not carry.</summary>
    sealed class StoredCurrencies(NpgsqlDataSource dataSource) : IAsyncDisposable
    {
        readonly Dictionary<string, string?> _known = new(StringComparer.Ordinal);
        NpgsqlConnection? _connection;

        public async Task<string?> Of(string accountId, CancellationToken cancellationToken)
        {
            if (_known.TryGetValue(accountId, out var currency))
                return currency;
            // A connection of its own: the import's connection is busy with the COPY.
            _connection ??= await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select currency from billing.loan where account_id = $1", _connection);
            command.Parameters.AddWithValue(accountId);
            return _known[accountId] = (string?)await command.ExecuteScalarAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null)
                await _connection.DisposeAsync();
        }
    }
}

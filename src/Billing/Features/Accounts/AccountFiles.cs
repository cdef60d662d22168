using System.Text.Json;

namespace Billing.Features.Accounts;

/// <summary>Turns accounts into the rows an import reads, and writes them as the files an import reads back.</summary>
public static class AccountFiles
{
    public static async IAsyncEnumerable<ImportRow> Rows(IEnumerable<AccountInput> accounts)
    {
        foreach (var account in accounts)
        {
            yield return new AccountRow(account.AccountId!, account with { Entries = null });
            foreach (var entry in account.Entries ?? [])
                yield return new EntryRow($"{account.AccountId} {entry.Ref}", entry with { AccountId = account.AccountId });
        }

        await Task.CompletedTask;
    }

    /// <summary>accounts.json: <c>{"accounts":[…]}</c>, one account after another, never all in memory.</summary>
    public static void WriteJson(Stream stream, IEnumerable<AccountInput> accounts)
    {
        using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartObject();
        writer.WriteStartArray("accounts");
        foreach (var account in accounts)
        {
            JsonSerializer.Serialize(writer, account, JsonAccountsReader.Options);
            // Flushed per account so the buffer stays small; the bytes are the same either way.
            if (writer.BytesPending > 1 << 16)
                writer.Flush();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCsv(TextWriter accountsCsv, TextWriter entriesCsv, IEnumerable<AccountInput> accounts)
    {
        using var writer = new AccountsCsv.Writer(accountsCsv, entriesCsv);
        foreach (var account in accounts)
            writer.Write(account);
    }
}

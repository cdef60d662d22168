using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Billing.Features.Accounts;

/// <summary>
/// Reads <c>{ "accounts": [ … ] }</c> one account at a time, so a file of 100,000 accounts is never held whole:
/// System.Text.Json streams only top-level arrays, so this scans with Utf8JsonReader to each element of "accounts"
/// and deserializes that element alone. Amounts are JSON numbers read as decimal (exact).
/// </summary>
public static class JsonAccountsReader
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // A field name with a typo is a mistake to report, not a field to drop in silence.
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        // Written files are data, not HTML: "+46…" and "Müller" stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new InstantWithOffset.Converter() },
    };

    public static async IAsyncEnumerable<ImportRow> Read(Stream stream, string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[1 << 16];
        int filled = 0, index = 0;
        var scan = new Scan();
        var elements = new List<(int Start, int Length)>();
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            filled += read;
            var final = read == 0;
            elements.Clear();
            int consumed;
            try
            {
                consumed = scan.Next(buffer.AsSpan(0, filled), final, elements);
            }
            catch (JsonException ex)
            {
                throw new ImportFormatException($"{name} is not valid JSON: {ex.Message}", ex);
            }

            foreach (var (start, length) in elements)
            {
                var where = $"{name} accounts[{index++}]";
                var (account, problem) = Deserialize(buffer.AsSpan(start, length));
                if (account is null)
                {
                    yield return new UnreadableRow(where, problem!);
                    continue;
                }

                where += account.AccountId is { } id ? $" ({id})" : "";
                yield return new AccountRow(where, account with { Entries = null });
                var entries = account.Entries ?? [];
                for (var i = 0; i < entries.Count; i++)
                    yield return new EntryRow($"{where} entries[{i}]" + (entries[i].Ref is { } r ? $" ({r})" : ""),
                        entries[i] with { AccountId = account.AccountId });
            }

            if (final)
            {
                if (!scan.Done)
                    throw new ImportFormatException($"{name} ends before its \"accounts\" array and object are closed.");
                yield break;
            }

            // Keep what is not consumed yet (an element cut by the buffer's end) and read on; grow for a huge element.
            Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
            filled -= consumed;
            if (filled == buffer.Length)
                Array.Resize(ref buffer, buffer.Length * 2);
        }
    }

    static (AccountInput? Account, string? Problem) Deserialize(ReadOnlySpan<byte> json)
    {
        try
        {
            return (JsonSerializer.Deserialize<AccountInput>(json, Options) ?? throw new JsonException("an account is null"), null);
        }
        catch (JsonException ex)
        {
            return (null, $"not an account: {ex.Message}");
        }
    }

    /// <summary>Where the scan is in the document, kept between buffers.</summary>
    sealed class Scan
    {
        enum Phase { Start, InRoot, ExpectArray, SkipValue, InArray, Done }

        Phase _phase = Phase.Start;
        JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        bool _sawAccounts;

        public bool Done => _phase == Phase.Done;

        /// <summary>Adds the complete account elements in <paramref name="data"/>; returns the bytes consumed.</summary>
        public int Next(ReadOnlySpan<byte> data, bool final, List<(int, int)> elements)
        {
            var reader = new Utf8JsonReader(data, final, _state);
            while (true)
            {
                var checkpoint = reader;
                if (!reader.Read())
                {
                    reader = checkpoint;
                    break;
                }

                switch (_phase)
                {
                    case Phase.Start:
                        Expect(reader.TokenType == JsonTokenType.StartObject, "an object { \"accounts\": [ … ] }");
                        _phase = Phase.InRoot;
                        break;
                    case Phase.InRoot when reader.TokenType == JsonTokenType.EndObject:
                        Expect(_sawAccounts, "an \"accounts\" array");
                        _phase = Phase.Done;
                        break;
                    case Phase.InRoot:
                        var isAccounts = reader.ValueTextEquals("accounts"u8);
                        _sawAccounts |= isAccounts;
                        _phase = isAccounts ? Phase.ExpectArray : Phase.SkipValue;
                        break;
                    case Phase.ExpectArray:
                        Expect(reader.TokenType == JsonTokenType.StartArray, "\"accounts\" to be an array");
                        _phase = Phase.InArray;
                        break;
                    case Phase.SkipValue:
                        // Cut off by the buffer's end: read this value again, whole, with the next buffer.
                        if (!reader.TrySkip())
                        {
                            reader = checkpoint;
                            goto NeedMore;
                        }
                        _phase = Phase.InRoot;
                        break;
                    case Phase.InArray when reader.TokenType == JsonTokenType.EndArray:
                        _phase = Phase.InRoot;
                        break;
                    case Phase.InArray:
                        Expect(reader.TokenType == JsonTokenType.StartObject, "each account to be an object");
                        var start = (int)reader.TokenStartIndex;
                        if (!reader.TrySkip())
                        {
                            reader = checkpoint;
                            goto NeedMore;
                        }
                        elements.Add((start, (int)reader.BytesConsumed - start));
                        break;
                    case Phase.Done:
                        throw new JsonException("something follows the closing brace");
                }
            }

            NeedMore:
            _state = reader.CurrentState;
            return (int)reader.BytesConsumed;
        }

        static void Expect(bool condition, string what)
        {
            if (!condition)
                throw new JsonException($"expected {what}");
        }
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Billing.Features.Accounts;

/// <summary>
/// An entry's time as an import file must give it: with its UTC offset (2026-01-31T09:30:00Z, …+01:00). Without one it
/// would mean different moments on machines in different time zones, so both formats refuse it (docs/accounts.md).
/// </summary>
public static partial class InstantWithOffset
{
    public const string Expected = "a time with its UTC offset (2026-01-31T09:30:00Z)";

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        return WithOffset().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>For the JSON format, whose reader would otherwise take a time without an offset as the machine's local time.</summary>
    public sealed class Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && TryParse(text.Trim(), out var value)
                ? value
                : throw new JsonException($"a time must be {Expected}");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value);
    }

    [GeneratedRegex(@"(Z|[+-]\d\d:\d\d)$", RegexOptions.IgnoreCase)]
    private static partial Regex WithOffset();
}

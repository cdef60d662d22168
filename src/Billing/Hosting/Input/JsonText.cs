using System.Text;
using System.Text.Json;

namespace Billing.Hosting.Input;

/// <summary>Finds the first string (a value or a property name) in a JSON document that <see cref="InputText"/> refuses.</summary>
public static class JsonText
{
    /// <summary>The field's path and why it is refused; null when every string passes or the document is not JSON (its reader says so then).</summary>
    public static (string Field, string Problem)? FirstRefused(ReadOnlySpan<byte> json)
    {
        // Raw control characters are not JSON; only escapes (\u0000) bring them in, so a body without "\u" has none.
        if (json.IndexOf("\\u"u8) < 0)
            return null;

        var path = new List<(string? Property, int Index)>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.Add((null, reader.TokenType == JsonTokenType.StartArray ? 0 : -1));
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        path[^1] = (name, -1);
                        if (InputText.Problem(Name(path), name) is { } badName)
                            return (Name(path), badName);
                        continue;
                    case JsonTokenType.String:
                        if (InputText.Problem(Name(path), reader.GetString()) is { } badValue)
                            return (Name(path), badValue);
                        break;
                }

                // A value ended: the next one in an array is the next index.
                if (path.Count > 0 && path[^1].Index >= 0)
                    path[^1] = (null, path[^1].Index + 1);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON (or a lone surrogate): the endpoint's own reader refuses it with its own words.
        }

        return null;
    }

    /// <summary>The path as a client wrote it: <c>reason</c>, <c>ids[2]</c>, <c>data.object.id</c>.</summary>
    static string Name(List<(string? Property, int Index)> path)
    {
        var name = new StringBuilder();
        foreach (var (property, index) in path)
        {
            if (index >= 0)
                name.Append('[').Append(index).Append(']');
            else if (property is not null)
                name.Append(name.Length > 0 ? "." : "").Append(property);
        }

        return name.Length > 0 ? name.ToString() : "body";
    }
}

namespace Billing.Hosting.Input;

/// <summary>
/// The one rule for text that comes from outside (a query string, a route, a form, a JSON body, an import file, a
/// provider's webhook): no control character but tab, line feed and carriage return, in any field, free text or not.
/// Postgres cannot store U+0000 at all (22021, and worse, see AutoPrepareTests), and the rest of C0 and DEL have no
/// business in an id, a name or a reason. Refused where the input enters, naming the field, so nothing is stored.
/// docs/api.md, "Text".
/// </summary>
public static class InputText
{
    public static bool IsRefused(char c) => (c < '\u0020' && c is not ('\t' or '\n' or '\r')) || c == '\u007f';

    /// <summary>Why <paramref name="value"/> is refused as <paramref name="field"/>, or null when it may pass.</summary>
    public static string? Problem(string field, string? value)
    {
        if (value is null)
            return null;
        for (var i = 0; i < value.Length; i++)
        {
            if (IsRefused(value[i]))
                return $"{field} holds the control character U+{(int)value[i]:X4} at position {i + 1}; text may hold tab, "
                    + "line feed and carriage return but no other control character";
        }

        return null;
    }
}

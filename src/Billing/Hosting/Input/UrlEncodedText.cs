namespace Billing.Hosting.Input;

/// <summary>
/// Finds the first field of a URL-encoded form that <see cref="InputText"/> refuses. ASP.NET Core's own form reader throws
/// on a %00 without saying which field held it (and the throw became a 500 before the page saw it), so this decodes the
/// pairs itself, as the browser encoded them.
/// </summary>
public static class UrlEncodedText
{
    public static (string Field, string Problem)? FirstRefused(string form)
    {
        foreach (var pair in form.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            var name = Decode(at < 0 ? pair : pair[..at]);
            var value = at < 0 ? "" : Decode(pair[(at + 1)..]);
            if ((InputText.Problem(name, name) ?? InputText.Problem(name, value)) is { } problem)
                return (name, problem);
        }

        return null;
    }

    static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            // Not decodable: the form reader refuses it with its own 400.
            return "";
        }
    }
}

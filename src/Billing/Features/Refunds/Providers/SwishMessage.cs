namespace Billing.Features.Refunds.Providers;

/// <summary>
/// Swish shows the payee a message of at most 50 characters from a small set: the letters a-ö and A-Ö, the digits,
/// space and <c>:;.,?!()-"</c>. Anything else would have Swish refuse the refund, so it is left out here instead.
/// </summary>
public static class SwishMessage
{
    public const int MaxLength = 50;

    const string Allowed = "abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ0123456789 :;.,?!()-\"";

    /// <summary>The reason reduced to Swish's characters, spaces collapsed, cut to its length; null when nothing is left.</summary>
    public static string? From(string? reason)
    {
        if (reason is null)
            return null;
        var kept = new string(reason.Select(c => Allowed.Contains(c) ? c : ' ').ToArray());
        var collapsed = string.Join(' ', kept.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (collapsed.Length > MaxLength)
            collapsed = collapsed[..MaxLength].TrimEnd();
        return collapsed.Length == 0 ? null : collapsed;
    }
}

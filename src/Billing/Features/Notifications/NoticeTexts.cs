using System.Globalization;
using System.Net;
using Billing.Contracts.Money;

namespace Billing.Features.Notifications;

/// <summary>
/// What each channel says about a statement, formatted in the notice's locale: plain functions, so the wording and the
/// SMS length can be checked without a provider. The wording is English for now; only numbers and dates follow the locale.
/// </summary>
public static class NoticeTexts
{
    /// <summary>"1 234,50 SEK" (sv-SE), "1,234.50 SEK" (en-GB): the locale's digits, the ISO code rather than the locale's
    /// own currency symbol, which would be wrong for an en-GB holder owing SEK ("£").</summary>
    public static string Amount(decimal amount, string currency, CultureInfo culture) =>
        $"{amount.ToString("N" + (Currencies.IsKnown(currency) ? Currencies.MinorUnitsOf(currency) : 2), culture)} {currency}";

    /// <summary>The locale's short date: 2026-03-28 (sv-SE), 28/03/2026 (en-GB); short and unambiguous where it is read.</summary>
    public static string Date(DateOnly date, CultureInfo culture) => date.ToString("d", culture);

    /// <summary>"mars 2026" (sv-SE), "March 2026" (en-GB).</summary>
    public static string Month(DateOnly date, CultureInfo culture) => date.ToString(culture.DateTimeFormat.YearMonthPattern, culture);

    public static string MinimumDue(StatementNotice notice) => Amount(notice.MinimumDue, notice.Currency, Culture(notice));

    public static string DueDate(StatementNotice notice) => Date(notice.DueDate, Culture(notice));

    /// <summary>
    /// One GSM-7 segment (160 characters) for a link of up to ~70 characters, two at most for longer ones. The locale's
    /// no-break spaces (sv-SE groups digits with U+00A0, fr-FR with U+202F) are not in GSM-7: one of them would switch the
    /// whole message to UCS-2 and its 70-character segments, so they become plain spaces here.
    /// </summary>
    public static string Sms(StatementNotice notice) =>
        GsmSpaces($"Your {Corrected(notice)}statement is ready. Minimum due {MinimumDue(notice)} by {DueDate(notice)}. {notice.Link}");

    /// <summary>The WhatsApp document caption (document mode); templates carry amount and date as parameters instead.</summary>
    public static string Caption(StatementNotice notice) =>
        $"Your {Corrected(notice)}statement for {Month(notice.StatementDate, Culture(notice))}. Minimum due {MinimumDue(notice)} by {DueDate(notice)}. {notice.Link}";

    public static string Subject(StatementNotice notice) => $"Your {Corrected(notice)}statement for {Month(notice.StatementDate, Culture(notice))}";

    public static string PlainText(StatementNotice notice)
    {
        var culture = Culture(notice);
        return $"""
            Dear {notice.HolderName},

            Your {Corrected(notice)}statement for {Month(notice.StatementDate, culture)} is attached.{Replaces(notice, culture)}

            Closing balance: {Amount(notice.ClosingBalance, notice.Currency, culture)}
            Minimum due: {MinimumDue(notice)}
            Due date: {DueDate(notice)}

            View it online: {notice.Link}
            """.ReplaceLineEndings("\r\n");
    }

    public static string Html(StatementNotice notice)
    {
        var culture = Culture(notice);
        string E(string text) => WebUtility.HtmlEncode(text);
        return $"""
            <!DOCTYPE html>
            <html lang="{E(culture.TwoLetterISOLanguageName)}"><body>
            <p>Dear {E(notice.HolderName)},</p>
            <p>Your {Corrected(notice)}statement for {E(Month(notice.StatementDate, culture))} is attached.{E(Replaces(notice, culture))}</p>
            <table>
            <tr><td>Closing balance</td><td>{E(Amount(notice.ClosingBalance, notice.Currency, culture))}</td></tr>
            <tr><td>Minimum due</td><td><strong>{E(MinimumDue(notice))}</strong></td></tr>
            <tr><td>Due date</td><td>{E(DueDate(notice))}</td></tr>
            </table>
            <p><a href="{E(notice.Link)}">View it online</a></p>
            </body></html>
            """.ReplaceLineEndings("\r\n");
    }

    static string Corrected(StatementNotice notice) => notice.Correction is null ? "" : "corrected ";

    static string Replaces(StatementNotice notice, CultureInfo culture) => notice.Correction is { } correction
        ? $" It replaces the statement we sent on {Date(correction.ReplacesIssuedOn, culture)}."
        : "";

    /// <summary>The notice's culture; an unknown or empty locale falls back to the invariant one rather than failing the send.</summary>
    public static CultureInfo Culture(StatementNotice notice)
    {
        try
        {
            return string.IsNullOrWhiteSpace(notice.Locale) ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(notice.Locale);
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }

    static string GsmSpaces(string text) => text.Replace('\u00A0', ' ').Replace('\u202F', ' ').Replace('\u2009', ' ');
}

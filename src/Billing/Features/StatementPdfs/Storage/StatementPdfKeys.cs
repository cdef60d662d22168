using System.Text.RegularExpressions;

namespace Billing.Features.StatementPdfs.Storage;

/// <summary>
/// A statement's PDF is kept as <c>{yyyy-MM-dd}/{first two hex digits}/{statement id}.pdf</c>. Named by the statement id,
/// not the account id: account ids are the holder's own text, and on a case-insensitive mount (SMB, a macOS volume) or
/// in a store that folds case, <c>ACC-1</c> and <c>acc-1</c> would share one PDF. The id is lower-case hex, the same on every
/// filesystem and object store; the two-digit level keeps a date of millions of statements in folders of thousands.
/// </summary>
public static partial class StatementPdfKeys
{
    public static string For(Guid statementId, DateOnly statementDate)
    {
        var id = statementId.ToString("N");
        return $"{statementDate:yyyy-MM-dd}/{id[..2]}/{id}.pdf";
    }

    /// <summary>True for a key <see cref="For"/> made: nothing that could climb out of the store's root.</summary>
    public static bool IsKey(string key) => Shape().IsMatch(key);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}/[0-9a-f]{2}/[0-9a-f]{32}\.pdf$")]
    private static partial Regex Shape();
}

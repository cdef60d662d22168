namespace Billing.Features.StatementPdfs;

/// <summary>
/// Splits a statement's transactions into printed pages. We paginate, not Chromium: every page is a fixed A4 section
/// with a fixed number of single-line rows, so the page count is known before printing, "Page i of n" is per
/// statement, and a batch print can be cut back into statements by page ranges.
/// </summary>
static class StatementPages
{
    /// <summary>The first page also carries the addresses, the summary and the payment slip.</summary>
    public const int FirstPageRows = 14;

    public const int PageRows = 36;

    public static int Count(int lines) =>
        lines <= FirstPageRows ? 1 : 1 + (lines - FirstPageRows + PageRows - 1) / PageRows;

    public static IReadOnlyList<IReadOnlyList<T>> Split<T>(IReadOnlyList<T> lines)
    {
        var pages = new List<IReadOnlyList<T>>(Count(lines.Count));
        var first = Math.Min(FirstPageRows, lines.Count);
        pages.Add(lines.Take(first).ToArray());
        for (var start = first; start < lines.Count; start += PageRows)
            pages.Add(lines.Skip(start).Take(PageRows).ToArray());
        return pages;
    }
}

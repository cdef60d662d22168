using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace Billing.Features.StatementPdfs;

/// <summary>Cuts one printed PDF back into consecutive page ranges, one new PDF each (PDFsharp's import mode).</summary>
static class PdfPageRanges
{
    public static IReadOnlyList<byte[]> Split(byte[] pdf, IReadOnlyList<int> pageCounts)
    {
        using var source = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var expected = pageCounts.Sum();
        if (source.PageCount != expected)
            throw new InvalidOperationException(
                $"The batch printed {source.PageCount} pages where its statements make {expected}: a page overflowed its A4 section.");

        var parts = new List<byte[]>(pageCounts.Count);
        var start = 0;
        foreach (var count in pageCounts)
        {
            using var part = new PdfDocument();
            for (var i = start; i < start + count; i++)
                part.AddPage(source.Pages[i]);
            start += count;
            using var output = new MemoryStream();
            part.Save(output, closeStream: false);
            parts.Add(output.ToArray());
        }

        return parts;
    }

    public static int PageCount(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        return document.PageCount;
    }

    public static void CheckPageCount(byte[] pdf, int expected)
    {
        var printed = PageCount(pdf);
        if (printed != expected)
            throw new InvalidOperationException($"The statement printed {printed} pages where its layout makes {expected}: a page overflowed its A4 section.");
    }
}

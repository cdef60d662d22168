using System.Diagnostics;

namespace Billing.Tests.StatementPdfs;

/// <summary>The text a reader of the PDF sees, through poppler's pdftotext (installed by scripts/stack.sh).</summary>
static class PdfText
{
    public static async Task<string> Of(byte[] pdf, int? page = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"statement-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            var start = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (page is { } p)
                foreach (var a in new[] { "-f", p.ToString(), "-l", p.ToString() })
                    start.ArgumentList.Add(a);
            start.ArgumentList.Add(file);
            start.ArgumentList.Add("-");
            using var process = Process.Start(start)
                ?? throw new InvalidOperationException("pdftotext did not start: install poppler-utils (scripts/stack.sh up does)");
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync());
            // Group separators and minus signs arrive as the culture wrote them (U+00A0, U+2212); compare on plain ones.
            // Runs of spaces are collapsed so a figure compares the same however the layout spaced it.
            return System.Text.RegularExpressions.Regex.Replace(Plain(text), "[ \t]+", " ");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static string Plain(string formatted) => formatted.Replace('\u00A0', ' ').Replace('\u202F', ' ').Replace('\u2212', '-');
}

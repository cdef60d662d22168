using System.Text;
using System.Text.RegularExpressions;

namespace Billing.Tests.Support;

/// <summary>
/// The local mail sink that scripts/stack.sh starts (aiosmtpd on 127.0.0.1:2525), which stores each message it takes as
/// a file in a Maildir: <c>.stack/mail</c> under the repository root, or <c>BILLING_MAIL_DIR</c> as for stack.sh.
/// </summary>
public static class MailSink
{
    public const string Host = "127.0.0.1";
    public static readonly int Port = int.Parse(Environment.GetEnvironmentVariable("BILLING_SMTP_PORT") ?? "2525");

    public static string MailDirectory { get; } = Locate();

    /// <summary>BILLING_MAIL_DIR; else where stack.sh found an already running sink writing (.stack/mail-dir); else .stack/mail.</summary>
    static string Locate()
    {
        if (Environment.GetEnvironmentVariable("BILLING_MAIL_DIR") is { Length: > 0 } configured)
            return configured;
        var stack = Path.Combine(Repository.Root, ".stack");
        var recorded = Path.Combine(stack, "mail-dir");
        return File.Exists(recorded) ? File.ReadAllText(recorded).Trim() : Path.Combine(stack, "mail");
    }

    /// <summary>
    /// Waits until the sink holds <paramref name="count"/> messages whose raw text contains <paramref name="marker"/>
    /// (a Message-ID, say) and returns them, or fails the test naming where it looked.
    /// </summary>
    public static async Task<IReadOnlyList<StoredMail>> WaitFor(string marker, int count, TimeSpan? timeout = null)
    {
        var delivered = Path.Combine(MailDirectory, "new");
        if (!Directory.Exists(delivered))
            throw new InvalidOperationException(
                $"No Maildir at {MailDirectory}. Start the local stack with `scripts/stack.sh up`, or point BILLING_MAIL_DIR at the directory the running mail sink writes to.");

        return await Eventually.Get($"{count} message(s) containing '{marker}' in {delivered} (is the sink on 127.0.0.1:2525 writing elsewhere? BILLING_MAIL_DIR)",
            () => Containing(delivered, marker), found => found.Count >= count, timeout, found => $"{found.Count} message(s)");
    }

    // Mails from before this test process are never a test's: the sink keeps every mail it was sent, and after a pipeline
    // benchmark (84,000 mails, 9.7 GB) reading them all made each wait take minutes.
    static readonly DateTime Started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime().AddMinutes(-1);

    /// <summary>Every stored message since this test process started whose raw text contains <paramref name="marker"/>.</summary>
    public static async Task<IReadOnlyList<StoredMail>> Containing(string delivered, string marker)
    {
        var found = new List<StoredMail>();
        foreach (var file in new DirectoryInfo(delivered).EnumerateFiles().Where(f => f.LastWriteTimeUtc >= Started).Select(f => f.FullName))
        {
            var text = await File.ReadAllTextAsync(file);
            if (text.Contains(marker, StringComparison.Ordinal))
                found.Add(StoredMail.Parse(file, text));
        }

        return found;
    }
}

/// <summary>One message as the sink stored it: its headers (unfolded) and its body as sent on the wire.</summary>
public sealed partial record StoredMail(string Path, IReadOnlyDictionary<string, string> Headers, string RawBody)
{
    /// <summary>The Subject header with its RFC 2047 encoded words (base64 only, which SmtpClient writes) decoded.</summary>
    public string Subject => EncodedWord().Replace(BetweenEncodedWords().Replace(Headers["Subject"], "?==?"), word => word.Groups["encoding"].Value.ToUpperInvariant() == "B"
        ? Encoding.GetEncoding(word.Groups["charset"].Value).GetString(Convert.FromBase64String(word.Groups["text"].Value))
        : throw new NotSupportedException($"Encoded word '{word.Value}' is not base64."));

    /// <summary>The body as text: decoded by its Content-Transfer-Encoding, charset UTF-8.</summary>
    public string Body => (Headers.GetValueOrDefault("Content-Transfer-Encoding") ?? "7bit").ToLowerInvariant() switch
    {
        "base64" => Encoding.UTF8.GetString(Convert.FromBase64String(RawBody.Replace("\n", ""))),
        "7bit" or "8bit" => RawBody,
        var other => throw new NotSupportedException($"Content-Transfer-Encoding {other} is not decoded here."),
    };

    // RFC 2047: white space between two encoded words (a long subject is folded into several) is not part of the text.
    [GeneratedRegex(@"\?=\s+=\?")]
    private static partial Regex BetweenEncodedWords();

    [GeneratedRegex(@"=\?(?<charset>[^?]+)\?(?<encoding>[BbQq])\?(?<text>[^?]*)\?=")]
    private static partial Regex EncodedWord();

    public static StoredMail Parse(string path, string text)
    {
        text = text.Replace("\r\n", "\n");
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var line in head.Split('\n'))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && last is not null)
                headers[last] += " " + line.Trim();
            else if (line.IndexOf(':') is var colon and > 0)
                headers[last = line[..colon]] = line[(colon + 1)..].Trim();
        }

        return new StoredMail(path, headers, split < 0 ? "" : text[(split + 2)..]);
    }
}

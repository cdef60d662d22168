namespace Billing.Tests.Support;

/// <summary>The local stack's mail sink (aiosmtpd) writes each message it receives into a Maildir under the repository.</summary>
public static class MailSink
{
    public static string Directory =>
        Environment.GetEnvironmentVariable("BILLING_MAILDIR") ?? Path.Combine(RepositoryRoot(), ".stack", "mail", "new");

    /// <summary>The raw messages (headers and body) that contain <paramref name="text"/>; null while there are none.</summary>
    public static IReadOnlyList<string>? Containing(string text)
    {
        if (!System.IO.Directory.Exists(Directory))
            throw new InvalidOperationException($"No mail sink Maildir at {Directory}. Start the local stack with `scripts/stack.sh up`.");
        var found = System.IO.Directory.EnumerateFiles(Directory).Select(File.ReadAllText).Where(m => m.Contains(text)).ToList();
        return found.Count > 0 ? found : null;
    }

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Billing.sln")))
                return directory.FullName;
        throw new InvalidOperationException("Billing.sln not found above the test binaries; set BILLING_MAILDIR.");
    }
}

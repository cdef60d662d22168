namespace Billing.Tests.Support;

/// <summary>Where the checkout is, for what tests take from it: scripts/stack.sh, the mail sink's Maildir.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Billing.sln")))
                return dir.FullName;

        throw new InvalidOperationException($"No Billing.sln above {AppContext.BaseDirectory}: run the tests from a checkout.");
    }
}

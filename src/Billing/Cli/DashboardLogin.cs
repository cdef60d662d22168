using Billing.Features.Access;
using Billing.Features.Audit;
using Spectre.Console;

namespace Billing.Cli;

/// <summary>
/// The login the demo makes for this machine, so a newcomer can look around the dashboard: an admin named
/// <c>demo-admin</c> with a random password, kept in <c>.stack/dashboard-login.txt</c> (readable by this user only) and
/// reused on the next run. Nothing like it is in the repository.
/// </summary>
public static class DashboardLogin
{
    const string Username = "demo-admin";
    static readonly string FilePath = Path.Combine(".stack", "dashboard-login.txt");

    public static async Task<(string Username, string Password)> Ensure(IServiceProvider services, CancellationToken ct)
    {
        var users = services.GetRequiredService<StaffUsers>();
        var password = File.Exists(FilePath) ? (await File.ReadAllTextAsync(FilePath, ct)).Trim() : null;
        if (password is { Length: >= 12 } && (await users.SignIn(Username, password, ct)).Outcome == SignInOutcome.SignedIn)
            return (Username, password);

        password = AccessCommands.Secret(18);
        var actor = Actor.System("demo");
        await users.Save(Username, "Demo admin", password, [Roles.Admin, Roles.Support, Roles.Operator], actor.Name, ct);
        await services.GetRequiredService<AuditTrail>().Record(new AuditEntry(actor, "user.add", "user", Username,
            After: new { roles = new[] { Roles.Admin, Roles.Support, Roles.Operator } }), ct);
        Directory.CreateDirectory(".stack");
        await File.WriteAllTextAsync(FilePath, password + "\n", ct);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (Username, password);
    }

    public static void Print(string url, (string Username, string Password) login)
    {
        var table = new Table().Title("The dashboard is running (Ctrl+C stops the API and the worker)").AddColumns("", "").HideHeaders();
        table.AddRow("Dashboard", Markup.Escape(url));
        table.AddRow("Log in as", $"{login.Username} / {Markup.Escape(login.Password)} [grey](kept in {Markup.Escape(FilePath)})[/]");
        table.AddRow("Jobs (Hangfire)", Markup.Escape(url.TrimEnd('/') + "/hangfire"));
        table.AddRow("API documentation", Markup.Escape(url.TrimEnd('/') + "/swagger"));
        table.AddRow("More users", "dotnet src/Billing/bin/Release/net10.0/Billing.dll users add <name> --role support");
        AnsiConsole.Write(table);
    }
}

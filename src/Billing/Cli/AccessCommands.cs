using System.CommandLine;
using System.Security.Cryptography;
using Billing.Features.Access;
using Billing.Features.Audit;
using Billing.Hosting;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli;

/// <summary>
/// <c>users add</c>, <c>keys add</c>, <c>keys revoke</c>: how the first admin and the machine callers come to be. No
/// password or key is in the repository; each is made here and shown once.
/// </summary>
public static class AccessCommands
{
    public static Command Users()
    {
        var username = new Argument<string>("username") { Description = "Lower case letters, digits, '.', '_' or '-'" };
        var roles = RolesOption();
        var name = new Option<string?>("--name") { Description = "The name the dashboard shows (the username if not given)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of generating one" };
        var add = new Command("add", "Add a dashboard user, or set a new password and roles for one.") { username, roles, name, passwordStdin };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (parse, ct) =>
        {
            var user = parse.GetValue(username)!.Trim().ToLowerInvariant();
            if (!System.Text.RegularExpressions.Regex.IsMatch(user, "^[a-z0-9][a-z0-9._-]{1,63}$"))
                return Refuse("The username is 2 to 64 lower case letters, digits, '.', '_' or '-', starting with a letter or digit.");
            if (Checked(parse.GetValue(roles)!, staffOnly: true) is not { } given)
                return 2;

            string password;
            var generated = !parse.GetValue(passwordStdin);
            if (generated)
                password = Secret(18);
            else
            {
                password = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n') ?? "";
                if (password.Length < 12)
                    return Refuse("The password must be at least 12 characters.");
            }

            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            var services = host.Services;
            var users = services.GetRequiredService<StaffUsers>();
            var created = await users.Save(user, parse.GetValue(name) ?? user, password, given, CliActor.Name, ct);
            await services.GetRequiredService<AuditTrail>().Record(new AuditEntry(CliActor, created ? "user.add" : "user.reset", "user", user,
                After: new { roles = given }), ct);

            AnsiConsole.MarkupLineInterpolated($"{(created ? "Added" : "Updated")} [bold]{user}[/] with roles {string.Join(", ", given)}.");
            if (generated)
                // Plain text, so it copies and pipes without terminal codes.
                Console.WriteLine($"Password (shown once): {password}");
            return 0;
        });
        var user = new Argument<string>("username") { Description = "The user's username" };
        var newRoles = RolesOption();
        var setRoles = new Command("roles", "Give a user new roles; their open sessions carry them from their next request.") { user, newRoles };
        setRoles.TreatUnmatchedTokensAsErrors = false;
        setRoles.SetAction(async (parse, ct) =>
        {
            if (Checked(parse.GetValue(newRoles)!, staffOnly: true) is not { } given)
                return 2;
            var name = parse.GetValue(user)!.Trim().ToLowerInvariant();
            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            var users = host.Services.GetRequiredService<StaffUsers>();
            if (await users.Find(name, ct) is not { } before || !await users.SetRoles(name, given, ct))
                return Refuse($"No user named {name}.");
            await host.Services.GetRequiredService<AuditTrail>().Record(new AuditEntry(CliActor, "user.roles", "user", name,
                Before: new { roles = before.Roles }, After: new { roles = given }), ct);
            AnsiConsole.MarkupLineInterpolated($"[bold]{name}[/] now has roles {string.Join(", ", given)}.");
            return 0;
        });

        var disable = new Command("disable", "Stop a user logging in and end their open sessions ('users add' enables them again).") { user };
        disable.TreatUnmatchedTokensAsErrors = false;
        disable.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(user)!.Trim().ToLowerInvariant();
            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            if (!await host.Services.GetRequiredService<StaffUsers>().Disable(name, ct))
                return Refuse($"No user named {name}.");
            await host.Services.GetRequiredService<AuditTrail>().Record(new AuditEntry(CliActor, "user.disable", "user", name), ct);
            AnsiConsole.MarkupLineInterpolated($"Disabled [bold]{name}[/]; their open sessions end at their next request.");
            return 0;
        });
        return new Command("users", "Dashboard users.") { add, setRoles, disable };
    }

    public static Command Keys()
    {
        var keyName = new Argument<string>("name") { Description = "Who uses the key, e.g. payments-gateway" };
        var roles = RolesOption();
        var add = new Command("add", "Make an API key for a machine caller; it is shown once.") { keyName, roles };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(keyName)!.Trim();
            if (name.Length is 0 or > ApiKeys.MaxNameLength)
                return Refuse($"The key's name is 1 to {ApiKeys.MaxNameLength} characters.");
            if (Checked(parse.GetValue(roles)!, staffOnly: false) is not { } given)
                return 2;

            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            string key;
            try
            {
                key = await host.Services.GetRequiredService<ApiKeys>().Create(name, given, CliActor.Name, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return Refuse($"A key named {name} exists already; revoke it first or pick another name.");
            }
            await host.Services.GetRequiredService<AuditTrail>().Record(new AuditEntry(CliActor, "key.add", "api_key", name,
                After: new { roles = given }), ct);
            AnsiConsole.MarkupLineInterpolated($"API key [bold]{name}[/] with roles {string.Join(", ", given)} (shown once; send it as X-Api-Key):");
            Console.WriteLine(key);
            return 0;
        });

        var revoke = new Command("revoke", "Revoke an API key by name; it stops working at once.") { keyName };
        revoke.TreatUnmatchedTokensAsErrors = false;
        revoke.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(keyName)!.Trim();
            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            if (!await host.Services.GetRequiredService<ApiKeys>().Revoke(name, ct))
                return Refuse($"No key named {name} is in use.");
            await host.Services.GetRequiredService<AuditTrail>().Record(new AuditEntry(CliActor, "key.revoke", "api_key", name), ct);
            AnsiConsole.MarkupLineInterpolated($"Revoked [bold]{name}[/].");
            return 0;
        });
        return new Command("keys", "API keys for machine callers.") { add, revoke };
    }

    /// <summary>Who the audit trail names for what is done at this machine's command line.</summary>
    static readonly Actor CliActor = Actor.System($"cli:{Environment.UserName}");

    static Option<string[]> RolesOption() => new("--role")
    {
        Description = $"One of {string.Join(", ", Roles.All)}; repeat for more",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };

    static IReadOnlyList<string>? Checked(string[] roles, bool staffOnly)
    {
        var allowed = staffOnly ? Roles.Staff : Roles.All;
        if (roles.FirstOrDefault(r => !allowed.Contains(r)) is { } unknown)
        {
            Refuse($"{unknown} is not a role here; pick from {string.Join(", ", allowed)}.");
            return null;
        }
        return roles.Distinct().ToArray();
    }

    static int Refuse(string message)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]{message}[/] Nothing was changed.");
        return 2;
    }

    /// <summary>A random password from letters and digits that are hard to misread.</summary>
    internal static string Secret(int length)
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(length, alphabet, (span, a) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = a[RandomNumberGenerator.GetInt32(a.Length)];
        });
    }
}

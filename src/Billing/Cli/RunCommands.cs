using System.CommandLine;
using Billing.Hosting;
using Billing.Infrastructure.Postgres;
using Spectre.Console;

namespace Billing.Cli;

/// <summary>The long-running roles and the migrate step.</summary>
public static class RunCommands
{
    public static Command Api()
    {
        var command = new Command("api", "Serve the HTTP API (health, OpenAPI at /swagger).");
        command.SetAction(async (parse, ct) =>
        {
            await BillingHost.Api(parse.UnmatchedTokens.ToArray()).RunStoppingWhatStarted(ct);
            return 0;
        });
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    public static Command Worker()
    {
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these roles (comma-separated or repeated): {string.Join(", ", WorkerRoles.ValidNames)}",
        };
        var except = new Option<string[]>("--except") { Description = "Run every role but these" };
        var command = new Command("worker", "Run the sagas, consumers and the message scheduler. Start as many as you like.") { only, except };
        // Bad roles fail the parse: the error names the valid roles, the exit code is 1 and nothing starts.
        command.Validators.Add(result =>
        {
            try
            {
                WorkerRoles.Select(result.GetValue(only), result.GetValue(except));
            }
            catch (WorkerRolesException e)
            {
                result.AddError(e.Message);
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            IHost host;
            try
            {
                // The flags, when given, replace Worker:Only / Worker:Except; those are checked as the host is built.
                var flags = parse.GetValue(only) is { Length: > 0 } || parse.GetValue(except) is { Length: > 0 }
                    ? WorkerRoles.Select(parse.GetValue(only), parse.GetValue(except))
                    : null;
                host = BillingHost.Worker(parse.UnmatchedTokens.ToArray(), roles: flags);
            }
            catch (WorkerRolesException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }

            await host.RunStoppingWhatStarted(ct);
            // Non-zero when the broker watchdog ended the worker (BrokerWatchdog.ExitCode), for its supervisor to restart it.
            return Environment.ExitCode;
        });
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    public static Command Migrate()
    {
        var command = new Command("migrate", "Apply the SQL migrations that are not applied yet (safe to run again).");
        command.SetAction(async (parse, ct) =>
        {
            using var host = BillingHost.Tooling(parse.UnmatchedTokens.ToArray());
            var applied = await host.Services.GetRequiredService<Migrator>().ApplyAsync(Migrator.FindMigrationsDirectory(), ct);
            AnsiConsole.MarkupLine(applied.Count == 0 ? "Schema is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return 0;
        });
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }
}

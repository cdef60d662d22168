using System.CommandLine;
using Billing.Contracts.BillingRuns;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Hosting;
using MassTransit;
using Spectre.Console;

namespace Billing.Cli.BillingRuns;

/// <summary><c>Billing bill --date 2026-12-01</c>: starts (or joins) the run of a statement date and shows its progress.</summary>
public static class BillCommand
{
    public static Command Create()
    {
        var date = new Option<string>("--date") { Description = "The statement date, YYYY-MM-DD", Required = true };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the run and return without watching it" };
        var command = new Command("bill", "Bill every account due on a statement date (workers do the billing).") { date, noWait };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(date);
            DateOnly? statementDate = DateOnly.TryParseExact(text, "yyyy-MM-dd", out var parsed) ? parsed : null;
            if (BillingRunRules.DateProblem(statementDate, DateTimeOffset.UtcNow) is { } problem)
            {
                AnsiConsole.MarkupLine($"[red]--date {Markup.Escape(text ?? "")}: {Markup.Escape(problem)}[/]");
                return 2;
            }

            using var host = BillingHost.Client(parse.UnmatchedTokens.ToArray());
            using var stopping = CommandStopping.Link(host, ct);
            var runId = BillingIds.Run(statementDate!.Value);
            try
            {
                await host.StartAsync(stopping.Token);
                await host.Services.GetRequiredService<IBus>().Publish(new StartBillingRun(statementDate.Value, "cli"), stopping.Token);
                AnsiConsole.MarkupLine($"Billing run [bold]{runId}[/] for {statementDate:yyyy-MM-dd} started (GET /billing/runs/{runId}).");
                if (parse.GetValue(noWait))
                    return 0;
                var view = await RunWatch.Until(host.Services.GetRequiredService<BillingRunProgress>(), runId, TimeSpan.FromHours(6), stopping.Token);
                AnsiConsole.Write(RunWatch.Summary(view));
                return view.Settled ? 0 : 1;
            }
            catch (TimeoutException e)
            {
                // No worker consumed the start (none running?): say so rather than end in a stack trace.
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)} Is a worker running (Billing worker)?[/]");
                return 1;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Only the watching stops: the run is the workers' and goes on without this command.
                AnsiConsole.MarkupLine($"Stopped watching. Billing run [bold]{runId}[/] goes on in the workers; watch it with " +
                                       $"[bold]Billing bill --date {statementDate:yyyy-MM-dd}[/] again, GET /billing/runs/{runId} " +
                                       $"or the dashboard's /dashboard/runs/{runId}.");
                return 130;
            }
            finally
            {
                // Bounded: after a signal the user waits for this, and the bus has nothing of the command's left to send.
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await host.StopAsync(bounded.Token);
            }
        });
        return command;
    }
}

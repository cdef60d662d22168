using Billing.Features.BillingRuns.Runs;
using Spectre.Console;

namespace Billing.Cli.BillingRuns;

/// <summary>A progress bar for a billing run until every published account is ready or halted; then the run as it ended.</summary>
public static class RunWatch
{
    public static async Task<BillingRunView> Until(BillingRunProgress progress, Guid runId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        BillingRunView? view = null;
        var deadline = DateTimeOffset.UtcNow + timeout;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("Opening the run", maxValue: 1);
                // A run that has not opened within a minute has no worker to open it.
                var openBy = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
                while (DateTimeOffset.UtcNow < deadline && (view is not null || DateTimeOffset.UtcNow < openBy))
                {
                    // WaitAsync: a signal ends the watching at once even while a query is slow to hear its cancellation.
                    view = await progress.Get(runId, cancellationToken).WaitAsync(cancellationToken);
                    if (view is not null)
                    {
                        bar.MaxValue = Math.Max(1, view.Total);
                        bar.Value = view.Done;
                        bar.Description = $"Billing {view.StatementDate:yyyy-MM-dd}: {view.Ready:N0} ready, {view.Halted:N0} halted, " +
                                          $"{view.InProgress + view.Waiting:N0} in progress{(view.PerSecond is { } r ? $", {r:N0}/s" : "")}";
                        if (view.Settled)
                            break;
                    }

                    await Task.Delay(500, cancellationToken);
                }
            });
        return view ?? throw new TimeoutException($"Billing run {runId} did not open within {timeout}.");
    }

    public static Table Summary(BillingRunView view)
    {
        var table = new Table().Title($"Billing run {view.StatementDate:yyyy-MM-dd}").AddColumns("", "Accounts");
        table.AddRow("Due", $"{view.Total:N0}");
        table.AddRow("Statement ready", $"{view.Ready:N0}");
        foreach (var halted in view.ByStateAndStep.Where(c => c.State == "Halted"))
            table.AddRow(Markup.Escape($"Halted at {halted.Step}: {halted.Reason}"), $"{halted.Count:N0}");
        if (view.Waiting > 0)
            table.AddRow("Waiting for their cut-off (billed when it comes)", $"{view.Waiting:N0}");
        if (view.PerSecond is { } rate)
            table.AddRow("Rate", $"{rate:N0} accounts/s");
        return table;
    }
}

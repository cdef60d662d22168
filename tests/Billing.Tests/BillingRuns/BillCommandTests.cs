using Billing.Tests.Support;

namespace Billing.Tests.BillingRuns;

/// <summary><c>Billing bill</c> watches a run; Ctrl+C or SIGTERM ends the watching promptly, and the run goes on in the workers.</summary>
public class BillCommandTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bill_stops_watching_a_run_that_is_not_finished_at_once_on_a_signal_and_says_the_run_goes_on(bool interrupt)
    {
        // Every account waits ten minutes to retry a step: the run is under way, and far from finished, when the signal comes.
        await using var stack = await BillingStack.Start(new Dictionary<string, string>
        {
            ["BillingRuns__Faults__Step"] = "passbook",
            ["BillingRuns__Faults__Kind"] = "transient",
            ["BillingRuns__Faults__Times"] = "100000",
            ["BillingRuns__Faults__AccountPrefix"] = "acc-",
            ["BillingRuns__Steps__passbook__FirstDelay"] = "00:10:00",
        });
        await stack.SeedAccounts(20);
        await using var bill = WorkerProcess.StartCommand(stack.Stack.Settings, null, "bill", "--date", BillingStack.Today.ToString("yyyy-MM-dd"));
        await Eventually.Get("the run under way", () => stack.Run(), v => v is { Published: 20 }, describe: BillingStack.Describe);
        await Eventually.Until("bill watching the run", () => Task.FromResult(Said(bill).Contains("started (GET /billing/runs/")));
        await Task.Delay(TimeSpan.FromSeconds(1));
        bill.HasExited.ShouldBeFalse(bill.Output);

        bill.Signal(interrupt);
        (await bill.WaitForExit(TimeSpan.FromSeconds(10))).ShouldBeTrue($"bill still running 10 s after {(interrupt ? "SIGINT" : "SIGTERM")}:\n{bill.Output}");
        bill.ExitCode.ShouldBe(130, bill.Output);
        Said(bill).ShouldContain($"Billing run {BillingStack.RunId} goes on in the workers");
        bill.Output.ShouldNotContain("Exception");
        // The run is the workers', not the command's: it goes on to the end of its fan-out.
        await Eventually.Get("the run fanned out after the command ended", () => stack.Run(), v => v is { Status: "fanned_out" },
            describe: BillingStack.Describe);
    }

    /// <summary>What the command printed as text: without colours, its lines joined again (the console wraps at its width).</summary>
    static string Said(WorkerProcess command) => System.Text.RegularExpressions.Regex.Replace(
        System.Text.RegularExpressions.Regex.Replace(command.Output, "\u001b\\[[0-9;]*[A-Za-z]", ""), @"\s+", " ");
}

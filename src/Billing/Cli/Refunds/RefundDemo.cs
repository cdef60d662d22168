using System.Diagnostics;
using Billing.Contracts.Refunds;
using MassTransit;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli.Refunds;

/// <summary>
/// The refund part of the main job: thousands of refunds across card and Swish while the card provider fails some
/// calls (and times out after paying on others) and Swish goes dark for longer than its slow lane keeps trying.
/// Then the reconciler runs, with Swish declining some refunds for good, so some end needing support, and card timing out
/// after paying on some of the reconciler's attempts, which must end refunded. The stand-in's ledger must show every
/// refunded refund paid exactly once, and no refund paid but not marked refunded.
/// </summary>
public sealed class RefundDemo(IBus bus, NpgsqlDataSource dataSource, StandInControl provider, Func<CancellationToken, Task> triggerReconciler)
{
    /// <summary>Worker settings for the demo: slow lanes that give up after about 15 s instead of 46 minutes.</summary>
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Refunds:Methods:card:SlowLane:Attempts"] = "4",
        ["Refunds:Methods:card:SlowLane:FirstInterval"] = "00:00:01",
        ["Refunds:Methods:card:SlowLane:MaxInterval"] = "00:00:08",
        ["Refunds:Methods:swish:SlowLane:Attempts"] = "4",
        ["Refunds:Methods:swish:SlowLane:FirstInterval"] = "00:00:01",
        ["Refunds:Methods:swish:SlowLane:MaxInterval"] = "00:00:08",
        ["Refunds:Providers:card:Timeout"] = "00:00:02",
        ["Refunds:Providers:swish:Timeout"] = "00:00:02",
        // The demo causes thousands of provider failures on purpose; the table tells the story, not one line per call.
        ["Logging:LogLevel:Billing.Features.Refunds"] = "Error",
        ["Logging:LogLevel:Billing.Features.Support"] = "Warning",
    };

    public static readonly TimeSpan Outage = TimeSpan.FromSeconds(25);

    public async Task<bool> Run(int count, CancellationToken ct)
    {
        await provider.EnsureUp(ct);
        await provider.ResetLedger(ct);
        await provider.SetFaults("card", new { failRate = 0.10, failMode = "retryable", timeoutAfterPayRate = 0.02, seed = 7 }, ct);
        await provider.SetFaults("swish", new { darkUntil = DateTimeOffset.UtcNow + Outage, failRate = 0.05, failMode = "nonRetryable", seed = 11 }, ct);

        var tag = $"demo {DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var clock = Stopwatch.StartNew();
        RefundTally tally = null!;
        var settledOnTime = false;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var sent = progress.AddTask($"Refunds requested ({count:N0}, Swish dark for {Outage.TotalSeconds:N0} s)", maxValue: count);
                var settled = progress.AddTask("Refunds settled (refunded or failed)", maxValue: count);
                for (var i = 0; i < count; i++)
                {
                    var method = i % 5 < 3 ? "card" : "swish";
                    var amount = 10m + i % 490 + (method == "card" ? 0.25m : 0m);
                    await bus.Publish(RequestRefund.Create($"{tag}:{i}", $"{(method == "card" ? "pi" : "sw")}_{tag.Replace(' ', '_')}_{i}",
                        amount, "SEK", method, "excess repayment", tag), ct);
                    sent.Increment(1);
                }

                settledOnTime = await Until(async () =>
                {
                    tally = await RefundTally.Read(dataSource, tag, ct);
                    settled.Value = tally.Settled;
                    return tally.Total == count && tally.InFlight == 0;
                }, TimeSpan.FromMinutes(5), ct);
            });
        var firstPass = clock.Elapsed;

        // The reconciler's day: cards answer again but a fifth of them time out after paying (the reconciler's attempt
        // must find those paid, not hand them to support), and Swish declines a third of what it is asked.
        await provider.SetFaults("card", new { timeoutAfterPayRate = 0.2, seed = 3 }, ct);
        await provider.SetFaults("swish", new { failRate = 0.33, failMode = "nonRetryable", seed = 5 }, ct);
        var failedBefore = tally.Failed;
        var reconciledOnTime = true;
        if (failedBefore > 0)
        {
            var triggered = DateTimeOffset.UtcNow.AddSeconds(-1);
            await triggerReconciler(ct);
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var reconciled = progress.AddTask($"Reconciler: failed refunds given one more attempt ({failedBefore:N0})", maxValue: failedBefore);
                    reconciledOnTime = await Until(async () =>
                    {
                        tally = await RefundTally.Read(dataSource, tag, ct);
                        reconciled.Value = failedBefore - tally.Failed - tally.InFlight;
                        return tally.InFlight == 0 && tally.Failed == 0 && await RunDone(triggered, ct);
                    }, TimeSpan.FromMinutes(3), ct);
                });
        }

        var ledger = await provider.Ledger(ct);
        // The ledger was emptied at the start, but a reconciler run also settles failed refunds of earlier runs, so
        // count this run's refunds in it rather than its size.
        var paidOnce = (await RefundedIds(tag, ct))
            .Count(id => ledger.References.Contains(id.ToString()) || ledger.References.Contains(id.ToString("N")));
        // Paid at the provider, but not Refunded here: the defect the saga must never show.
        var notRefunded = await NotRefundedIds(tag, ct);
        var paidButNotRefunded = notRefunded.Count(id => ledger.References.Contains(id.ToString()) || ledger.References.Contains(id.ToString("N")));
        var mail = await LastMail(ct);
        var table = new Table().Title("Refunds: card and Swish through the fast and slow lanes, the reconciler and the provider stand-in")
            .AddColumns("Outcome", "Refunds");
        table.AddRow("Requested", $"{count:N0}");
        table.AddRow("Refunded on the first try (fast lane)", $"{tally.FirstTry:N0}");
        table.AddRow("Refunded after retries (slow lane)", $"{tally.AfterRetries:N0}");
        table.AddRow("Refunded by the reconciler", $"{tally.ByReconciler:N0}");
        table.AddRow("Needing support (declined again by the reconciler's attempt)", $"{tally.NeedsSupport:N0}");
        table.AddRow("Still failed / in flight", $"{tally.Failed:N0} / {tally.InFlight:N0}");
        table.AddRow("Time until every refund settled the first time", $"{firstPass.TotalSeconds:N1} s");
        table.AddRow("Provider ledger: refunded refunds found paid / refunds paid twice",
            $"{paidOnce:N0} of {tally.Refunded:N0} / {ledger.ReferencesPaidTwice:N0}");
        table.AddRow("Provider ledger: paid but not marked refunded (must be 0) / paid twice (must be 0)",
            $"{paidButNotRefunded:N0} / {ledger.ReferencesPaidTwice:N0}");
        table.AddRow("Support e-mail for the reconciler run", mail);
        AnsiConsole.Write(table);

        var ok = settledOnTime && reconciledOnTime && tally.Total == count
            && tally.Refunded + tally.NeedsSupport == count
            && ledger.ReferencesPaidTwice == 0 && paidOnce == tally.Refunded && paidButNotRefunded == 0;
        AnsiConsole.MarkupLine(ok
            ? "[green]Refunds passed: every refund settled, none paid twice.[/]"
            : "[red]Refunds failed: see the table above.[/]");
        return ok;
    }

    Task<List<Guid>> RefundedIds(string tag, CancellationToken ct) =>
        Ids("select correlation_id from refunds.refund where requested_by = $1 and current_state = 'Refunded'", tag, ct);

    Task<List<Guid>> NotRefundedIds(string tag, CancellationToken ct) =>
        Ids("select correlation_id from refunds.refund where requested_by = $1 and current_state <> 'Refunded'", tag, ct);

    async Task<List<Guid>> Ids(string sql, string tag, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(tag);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    async Task<bool> RunDone(DateTimeOffset since, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select count(*) from refunds.reconciler_run
            where started_at >= $1 and trigger <> 'janitor' and completed_at is not null and (needs_support = 0 or mail_sent_at is not null)
            """);
        command.Parameters.AddWithValue(since);
        return (long)(await command.ExecuteScalarAsync(ct))! > 0;
    }

    async Task<string> LastMail(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select needs_support, mail_sent_at from refunds.reconciler_run where trigger <> 'janitor' order by started_at desc limit 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return "no reconciler run";
        return reader.IsDBNull(1)
            ? $"not sent ({reader.GetInt32(0)} needing support)"
            : $"one message listing {reader.GetInt32(0)} refund(s) (earlier runs' too), sent {reader.GetDateTime(1):HH:mm:ss} UTC (see .stack/mail/new)";
    }

    static async Task<bool> Until(Func<Task<bool>> done, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await done())
                return true;
            await Task.Delay(500, ct);
        }

        return false;
    }
}

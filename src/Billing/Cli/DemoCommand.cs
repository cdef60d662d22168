using System.CommandLine;
using System.Diagnostics;
using Billing.Cli.BillingRuns;
using Billing.Cli.Refunds;
using Billing.Contracts.Diagnostics;
using Billing.Features.Access;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.Diagnostics;
using Billing.Features.Scheduling;
using Billing.Hosting;
using Billing.Infrastructure.Postgres;
using MassTransit;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli;

/// <summary>
/// The main job, end to end on the local stack: migrate, start a worker and the API, push tallies through RabbitMQ into
/// Postgres sagas, show a failing message redelivered with backoff and a message scheduled ahead, bill a few thousand
/// generated accounts and refund their overpayments, then thousands of refunds through provider failures and an outage.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var tallies = new Option<int>("--tallies") { Description = "Tally sagas to run", DefaultValueFactory = _ => 500 };
        var additions = new Option<int>("--additions") { Description = "Concurrent additions per tally", DefaultValueFactory = _ => 10 };
        var refunds = new Option<int>("--refunds") { Description = "Refunds to run through the refund saga", DefaultValueFactory = _ => 3000 };
        var accounts = new Option<int>("--accounts") { Description = "Accounts to generate and bill", DefaultValueFactory = _ => 3000 };
        var serve = new Option<bool>("--serve") { Description = "Afterwards, keep the API and the worker running and print the dashboard's address and login" };
        var url = new Option<string>("--url") { Description = "Where the API listens with --serve", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var command = new Command("demo", "Run the end-to-end demo against the local stack.") { tallies, additions, refunds, accounts, serve, url };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(tallies);
            var perTally = parse.GetValue(additions);
            var refundCount = parse.GetValue(refunds);
            var accountCount = parse.GetValue(accounts);
            if (count <= 0 || perTally <= 0 || refundCount <= 0 || accountCount <= 0)
            {
                AnsiConsole.MarkupLine("[red]--tallies, --additions, --refunds and --accounts must be positive.[/]");
                return 2;
            }

            try
            {
                return await Run(parse.UnmatchedTokens.ToArray(), count, perTally, refundCount, accountCount,
                    parse.GetValue(serve) ? parse.GetValue(url) : null, ct);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[grey]The demo was stopped before it finished.[/]");
                return 130;
            }
        });
        return command;
    }

    /// <param name="serveAt">Where the API listens when it is to keep running afterwards; null to stop when done.</param>
    static async Task<int> Run(string[] args, int tallyCount, int additions, int refundCount, int accountCount, string? serveAt,
        CancellationToken cancel)
    {
        using var log = DemoLog.Start();
        using var host = BillingHost.Worker(args, configuration => configuration.AddInMemoryCollection(RefundDemo.Settings), log.Use);
        // Ctrl+C or SIGTERM reaches the hosts' own lifetimes first (they take the signal), so they stop the demo too.
        using var stopping = CommandStopping.Link(host, cancel);
        var ct = stopping.Token;
        var migrator = host.Services.GetRequiredService<Migrator>();
        var applied = await migrator.ApplyAsync(Migrator.FindMigrationsDirectory(), ct);
        AnsiConsole.MarkupLine($"[grey]Migrations:[/] {(applied.Count == 0 ? "up to date" : string.Join(", ", applied))}");

        await host.StartAsync(ct);
        // The API too, on a port of its own choosing: the billing part reports repayments over HTTP as a gateway would.
        await using var api = BillingHost.Api([.. args, "--urls", serveAt ?? "http://127.0.0.1:0"], configuration => configuration.AddInMemoryCollection(RefundDemo.Settings), log.Use);
        try
        {
            await api.StartAsync(ct);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{serveAt} is in use (another demo --serve?). Stop it, or pick another address with --url.[/]");
            return 2;
        }
        api.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(stopping.Cancel);
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

            var run = new TallyRun(bus, dataSource, tallyCount, additions);
            var clock = Stopwatch.StartNew();
            var finished = false;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var publish = progress.AddTask($"Publishing {run.Transitions:N0} messages", maxValue: 1);
                    var complete = progress.AddTask($"Tally sagas completed ({tallyCount:N0})", maxValue: tallyCount);
                    await run.Publish(ct);
                    publish.Increment(1);
                    finished = await run.WaitForReceipts(TimeSpan.FromMinutes(5), new Progress<int>(n => complete.Value = n), ct);
                });
            clock.Stop();

            var result = await run.Read(ct);
            var probe = await RedeliveryProbe(bus, dataSource, ct);
            var ping = await ScheduledPing(host.Services, dataSource, ct);

            var table = new Table().Title("Billing demo: MassTransit sagas on RabbitMQ and Postgres").AddColumns("Check", "Result");
            table.AddRow("Tally sagas completed", $"{result.Completed:N0} / {result.Tallies:N0}");
            table.AddRow($"Sagas with each of their {additions} additions applied exactly once", $"{result.ExactlyApplied:N0} / {result.Tallies:N0}");
            table.AddRow("Completions received downstream exactly once", $"{result.ReceiptsWithOneEffect:N0} / {result.Tallies:N0}");
            table.AddRow($"Saga transitions per second ({additions + 1} messages per saga in flight at once)", $"{run.Transitions / clock.Elapsed.TotalSeconds:N0} ({run.Transitions:N0} in {clock.Elapsed.TotalSeconds:N1} s)");
            table.AddRow("Failing message redelivered at", probe);
            table.AddRow("Message scheduled 3 s ahead arrived", ping);
            table.AddRow("RabbitMQ management UI", "http://127.0.0.1:15672 (billing / billing)");
            AnsiConsole.Write(table);

            var ok = finished && result.Completed == tallyCount && result.ExactlyApplied == tallyCount && result.ReceiptsWithOneEffect == tallyCount;
            AnsiConsole.MarkupLine(ok ? "[green]Messaging checks passed.[/]" : "[red]Messaging checks failed: see the table above.[/]");

            var configuration = host.Services.GetRequiredService<IConfiguration>();
            using var provider = new StandInControl(new Uri(configuration["Refunds:Providers:card:BaseUrl"]!));
            using var http = new HttpClient { BaseAddress = new Uri(api.Urls.First()) };
            // The demo reports repayments as the payment gateway would: with an intake key of its own.
            http.DefaultRequestHeaders.Add(ApiKeys.Header, await api.Services.GetRequiredService<ApiKeys>()
                .Create($"demo-gateway-{DateTime.UtcNow:yyyyMMddHHmmssfff}", [Roles.Intake, Roles.Operator], "demo", ct));
            var billingOk = await new BillingDemo(bus, dataSource, host.Services.GetRequiredService<BillingRunProgress>(), http, provider,
                    api.Services.GetRequiredService<Billing.Features.StatementPdfs.Storage.IStatementPdfStore>())
                .Run(accountCount, ct);

            var reconciler = host.Services.GetRequiredService<IReconcilerTrigger>();
            var refunds = new RefundDemo(bus, dataSource, provider, token => reconciler.TriggerNowAsync("demo", token));
            var refundsOk = await refunds.Run(refundCount, ct);

            var passed = ok && billingOk && refundsOk;
            AnsiConsole.MarkupLine(passed ? "[green]Demo passed.[/]" : "[red]Demo failed.[/]");
            AnsiConsole.MarkupLine($"[grey]The service's log of this run:[/] {Markup.Escape(Path.GetRelativePath(Directory.GetCurrentDirectory(), log.Path))}");
            if (serveAt is null)
            {
                AnsiConsole.MarkupLine("[grey]To look around in the dashboard afterwards:[/] scripts/demo.sh --serve");
                return passed ? 0 : 1;
            }

            DashboardLogin.Print(api.Urls.First(), await DashboardLogin.Ensure(api.Services, ct));
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[grey]Stopping the API and the worker.[/]");
            }
            return passed ? 0 : 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    static async Task<string> RedeliveryProbe(IBus bus, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var probeId = NewId.NextGuid();
        await bus.Publish(new ProbeRedelivery { ProbeId = probeId, FailTimes = 3 }, ct);

        var attempts = new List<DateTime>();
        for (var waited = 0; waited < 30 && attempts.Count < 4; waited++)
        {
            await Task.Delay(1000, ct);
            await using var command = dataSource.CreateCommand("select attempted_at from diagnostics.probe_attempt where probe_id = $1 order by redelivery_count");
            command.Parameters.AddWithValue(probeId);
            attempts.Clear();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                attempts.Add(reader.GetDateTime(0));
        }

        var offsets = attempts.Select(a => $"+{(a - attempts[0]).TotalSeconds:N1}s");
        return attempts.Count == 4 ? $"{string.Join(", ", offsets)} (failed 3 times, then succeeded)" : $"only {attempts.Count} attempts seen";
    }

    static async Task<string> ScheduledPing(IServiceProvider services, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var pingId = NewId.NextGuid();
        var due = DateTimeOffset.UtcNow.AddSeconds(3);
        using (var scope = services.CreateScope())
        {
            var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
            await scheduler.SchedulePublish(due.UtcDateTime, new Ping { PingId = pingId, ScheduledFor = due }, ct);
        }

        for (var waited = 0; waited < 40; waited++)
        {
            await Task.Delay(250, ct);
            await using var command = dataSource.CreateCommand("select received_at from diagnostics.ping_receipt where ping_id = $1");
            command.Parameters.AddWithValue(pingId);
            if (await command.ExecuteScalarAsync(ct) is DateTime received)
                return $"{(received - due.UtcDateTime).TotalMilliseconds:N0} ms after its due time";
        }

        return "did not arrive within 10 s";
    }
}

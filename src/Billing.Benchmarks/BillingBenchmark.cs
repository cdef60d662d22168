using System.Diagnostics;
using Billing.Contracts.BillingRuns;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.StatementDelivery;
using Billing.Features.StatementPdfs;
using Billing.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Benchmarks;

/// <summary>
/// Accounts per second from a run's start to its last account's StatementReady, for generated accounts (the
/// generator's variety: about 20 passbook entries each, some with hundreds, 1 % unreachable and halted at validation),
/// one worker in this process. Beside it the saga benchmark's Postgres figure from the same run: the messaging ceiling.
/// </summary>
public static class BillingBenchmark
{
    public static async Task Run(IConfiguration configuration, IReadOnlyList<int> sizes, Func<IConfiguration, Task> fresh)
    {
        Console.WriteLine($"Billing runs on {Environment.ProcessorCount} cores; every part on this machine (Postgres, RabbitMQ, the worker)");
        await fresh(configuration);
        await SagaThroughput.Run(configuration, SagaStore.PostgresGrouped, 200, 4);
        var ceiling = await SagaThroughput.Run(configuration, SagaStore.PostgresGrouped, 4000, 4);
        Console.WriteLine($"ceiling: saga benchmark (c), Postgres repository + outbox in consume groups, 4,000 × 5:  {ceiling,8:N0} transitions/s");

        // Yesterday in UTC: its midnight has passed in every time zone the generator uses, so no account waits.
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        foreach (var size in sizes)
        {
            await fresh(configuration);
            var load = Stopwatch.StartNew();
            await Generate(configuration, size, date);
            Console.WriteLine($"{size,8:N0} accounts generated and imported in {load.Elapsed.TotalSeconds:N1} s ({await Scalar(configuration, "select count(*) from billing.passbook_entry"):N0} passbook entries)");

            using var groups = ConsumeGroupSizes.Start();
            var cpu = CpuTime.Now();
            var (perSecond, view, memory) = await Bill(configuration, date);
            Console.WriteLine($"{size,8:N0} accounts: {perSecond,6:N0} accounts/s to StatementReady ({view.Ready:N0} ready, {view.Halted:N0} halted); {memory}");
            Console.WriteLine($"          {CpuTime.Now().PerItemSince(cpu, size)}");
            Console.WriteLine($"          consume groups: {groups.Describe()}");
            foreach (var halted in view.ByStateAndStep.Where(c => c.State == "Halted"))
                Console.WriteLine($"          halted at {halted.Step}: {halted.Reason} × {halted.Count:N0}");
        }
    }

    /// <summary>
    /// `Billing generate` in a process of its own: the import holds the accounts in memory, which would stay in this
    /// process's heap and be counted as the worker's.
    /// </summary>
    internal static async Task Generate(IConfiguration configuration, int size, DateOnly date)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Billing.dll"), "generate", "--accounts", $"{size}",
            "--seed", "1", "--statement-date", $"{date:yyyy-MM-dd}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ConnectionStrings__Billing"] = configuration.GetConnectionString("Billing") },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"Billing generate failed ({process.ExitCode}):\n{await output}\n{await errors}");
        await Scalar(configuration, "analyze");
    }

    internal static async Task<long> Scalar(IConfiguration configuration, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString("Billing")!);
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync() is long value ? value : 0;
    }

    /// <summary>
    /// The whole pipeline for <paramref name="size"/> generated accounts: billed, rendered, and sent by SMS, e-mail and
    /// WhatsApp to the stand-in and the mail sink, from the run's start to its last statement's delivery. Beside it the
    /// same accounts billed with delivery off, in the same run: the part messaging and billing take.
    /// </summary>
    public static async Task Pipeline(IConfiguration configuration, int size, Func<IConfiguration, Task> fresh)
    {
        Console.WriteLine($"Statement pipeline on {Environment.ProcessorCount} cores; every part on this machine (Postgres, RabbitMQ, the worker, Chromium, the stand-in, the mail sink)");
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        foreach (var delivery in new[] { false, true })
        {
            await fresh(configuration);
            await Generate(configuration, size, date);
            // The same statement ids as the last run's: the stand-in forgets the messages (and keys) it had for them.
            using (var standIn = new HttpClient())
                (await standIn.DeleteAsync(new Uri(new Uri(configuration["Notifications:Sms:BaseUrl"] ?? "http://127.0.0.1:5090"), "control/ledger")))
                    .EnsureSuccessStatusCode();
            var directory = Path.Combine(Path.GetTempPath(), $"billing-bench-statements-{Guid.NewGuid():N}");
            using var batches = PdfBatchSizes.Start();
            var documents = new List<StatementDocument>();
            var clock = Stopwatch.StartNew();
            var cpuAtStart = CpuTime.Now();
            double? settledAt = null;
            CpuTime? cpuAtSettled = null;
            var (perSecond, view, memory) = await Bill(configuration, date, delivery, directory, size, settled: delivery ? services =>
            {
                settledAt = clock.Elapsed.TotalSeconds;
                cpuAtSettled = CpuTime.Now();
                return Sample(services, documents);
            } : null);
            var elapsed = settledAt ?? clock.Elapsed.TotalSeconds;
            var cpu = (cpuAtSettled ?? CpuTime.Now()).PerItemSince(cpuAtStart, size);
            if (!delivery)
                Console.WriteLine($"{size,8:N0} accounts, billing only:            {perSecond,6:N0} accounts/s to StatementReady; {memory}\n  {cpu}");
            else
            {
                int Sent(string channel) => view.Deliveries.Where(d => d.Channel == channel && d.Status == "sent").Sum(d => d.Count);
                var delivered = view.Delivered / elapsed;
                Console.WriteLine($"{size,8:N0} accounts, billed and delivered:    {delivered,6:N0} accounts/s to Delivered " +
                                  $"({Sent("pdf"):N0} PDFs, {Sent("sms"):N0} SMS, {Sent("email"):N0} e-mails, {Sent("whatsapp"):N0} WhatsApp in {elapsed:N0} s); {memory}\n  {cpu}");
                var pdf = configuration.GetSection(StatementPdfOptions.Section).Get<StatementPdfOptions>() ?? new StatementPdfOptions();
                Console.WriteLine($"  PDF batches in the pipeline: {batches.Describe(pdf.BatchSize)}");
                // The renderer's ceiling for these very statements, in the pipeline's own mode, measured now on the same machine.
                Console.Write($"  the renderer alone, {documents.Count:N0} of these statements: ");
                var alone = await StatementBenchmark.Batched(pdf, new StatementHtml(Options.Create(
                    configuration.GetSection(StatementIssuerOptions.Section).Get<StatementIssuerOptions>() ?? new StatementIssuerOptions())), documents);
                Console.WriteLine($"ratio to the renderer: {delivered / alone:0.00}");
            }

            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }

        // The stand-in keeps every message it was sent; after a large run its ledger made the stack's readiness probe
        // (which reads it) time out for the next command.
        using var client = new HttpClient();
        await client.DeleteAsync(new Uri(new Uri(configuration["Notifications:Sms:BaseUrl"] ?? "http://127.0.0.1:5090"), "control/ledger"));
    }

    /// <summary>Up to 500 of the run's statements as their PDFs show them, to render again without the pipeline.</summary>
    static async Task Sample(IServiceProvider services, List<StatementDocument> documents)
    {
        using var scope = services.CreateScope();
        var recipients = scope.ServiceProvider.GetRequiredService<StatementRecipients>();
        var ids = new List<Guid>();
        await using (var command = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>().CreateCommand(
                         "select statement_id from billing.statement where pdf_path is not null order by account_id limit 500"))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                ids.Add(reader.GetGuid(0));
        foreach (var id in ids)
            if (await recipients.Load(id, withLines: true, CancellationToken.None) is { } recipient)
                documents.Add(recipient.Document);
    }

    /// <param name="settled">Runs in the worker's host once the run has settled, before the host stops.</param>
    internal static async Task<(double PerSecond, BillingRunView View, PeakMemory Memory)> Bill(IConfiguration configuration, DateOnly date,
        bool delivery = false, string? pdfDirectory = null, int size = 0, Func<IServiceProvider, Task>? settled = null)
    {
        using var host = BillingHost.Worker([], builder =>
        {
            builder.AddConfiguration(configuration);
            builder.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Statements:Delivery:Enabled"] = delivery ? "true" : "false",
                ["Statements:Pdf:Directory"] = pdfDirectory ?? Path.GetTempPath(),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Billing.Features.BillingRuns"] = "Error",
                // The recurring-job server of a host stopped before the database is dropped for the next size: its
                // errors then are that drop, printed with a stack trace in the middle of the figures.
                ["Logging:LogLevel:Hangfire"] = "Critical",
            });
        });
        await host.StartAsync();
        await using var memory = PeakMemory.Start();
        try
        {
            var progress = host.Services.GetRequiredService<BillingRunProgress>();
            await host.Services.GetRequiredService<IBus>().Publish(new StartBillingRun(date, "benchmark"));
            var runId = BillingIds.Run(date);
            var clock = Stopwatch.StartNew();
            // At least an hour, and longer for a large run with delivery on (Chromium delivers a few dozen a second here).
            var limit = TimeSpan.FromSeconds(Math.Max(3600, delivery ? size / 10 : size / 100));
            var shown = TimeSpan.Zero;
            while (true)
            {
                // A look at the run's progress groups all its accounts and deliveries, so its cost grows with the run
                // (at 10,000 accounts, polled twice a second, Postgres was busy with it in 1 of 25 samples). Every 1/100
                // of the time so far (0.5–5 s) keeps the figure's error near 1 % and the poll's cost flat.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(clock.Elapsed.TotalMilliseconds / 100, 500, 5_000)));
                var now = await progress.Get(runId, CancellationToken.None);
                if (now is { Settled: true } view && (!delivery || view.Delivered >= view.Ready))
                {
                    if (settled is not null)
                        await settled(host.Services);
                    return (view.PerSecond ?? 0, view, memory);
                }
                if (clock.Elapsed - shown > TimeSpan.FromMinutes(1) && now is not null)
                {
                    // A long run says where it is on stderr, so the figures on stdout stay clean.
                    shown = clock.Elapsed;
                    Console.Error.WriteLine($"  {clock.Elapsed:hh\\:mm\\:ss} {now.Status}: published {now.Published:N0}, ready {now.Ready:N0}, " +
                                            $"delivered {now.Delivered:N0}, halted {now.Halted:N0}, in flight {now.InProgress:N0}{(now.Warning is null ? "" : " STALLED")}");
                }
                if (clock.Elapsed > limit)
                    throw new TimeoutException($"Billing run {runId} did not settle within {limit}.");
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

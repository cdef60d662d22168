using Billing.Benchmarks;
using Billing.Infrastructure.Messaging;
using Billing.Infrastructure.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using System.Runtime.InteropServices;

// Two benchmarks, each beside its baseline measured in the same run on the same machine:
//   saga [sagas] [events]        saga transitions/s: MassTransit's in-memory repository vs the Postgres repository + outbox,
//                                one message a transaction and in consume groups
//   billing [sizes]              accounts/s to StatementReady for each size (10,000 and 100,000), with peak RSS, beside
//                                the saga benchmark's Postgres transitions/s as the ceiling
//   pipeline [accounts]          accounts/s billed, rendered and sent on every channel, beside billing alone
//   statements [count]           statements/s to PDF: a browser per statement, a page per statement, the reused-page
//                                pool and batched prints split per statement, with Chromium's and our peak RSS
//   audit [accounts]             seconds and accounts/s for a ledger audit of a billed data set, beside one plain pass
//                                of Postgres over the tables it reads
//   refunds [count] [outage-s]   refunds/s through the fast lane vs the provider stand-in called directly, and the drain
//                                time of [count] refunds after a Swish outage of [outage-s] seconds
// Ctrl+C or SIGTERM ends a benchmark at once, whatever it is waiting for. Without this the worker host's own console
// lifetime took the signal, stopped the worker and left the measuring loop polling a run that could no longer move.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ExitOnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ExitOnSignal);

var benchmark = args.Length > 0 && !int.TryParse(args[0], out _) ? args[0] : "saga";
var numbers = args.SkipWhile(a => !int.TryParse(a, out _)).Select(int.Parse).ToArray();

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=5432;Database=billing_bench;Username=billing;Password=billing;Maximum Pool Size=60;Max Auto Prepare=50;No Reset On Close=true;SSL Mode=Disable",
        ["RabbitMq:Host"] = "127.0.0.1",
        ["RabbitMq:VirtualHost"] = "billing-bench",
        ["RabbitMq:Username"] = "billing",
        ["RabbitMq:Password"] = "billing",
        ["RabbitMq:PrefetchCount"] = "32",
    })
    .AddEnvironmentVariables()
    .Build();

if (benchmark == "statement-sizes")
{
    // statement-sizes: what a one-page statement weighs alone and split from a batch (also the first line of statements).
    await StatementBenchmark.Sizes(new(), new(Microsoft.Extensions.Options.Options.Create(new Billing.Features.StatementPdfs.StatementIssuerOptions())));
    return;
}

if (benchmark == "statements")
{
    // statements [count]: statements/s through Chromium four ways (no Postgres or RabbitMQ involved).
    await StatementBenchmark.Run(numbers.ElementAtOrDefault(0) is > 0 and var n ? n : 500);
    return;
}

if (benchmark == "pipeline")
{
    // pipeline [accounts]: accounts/s billed and delivered on every channel, beside billing alone (3,000 unless given).
    await BillingBenchmark.Pipeline(configuration, numbers.ElementAtOrDefault(0) is > 0 and var accounts ? accounts : 3000, Fresh);
    return;
}

if (benchmark == "audit")
{
    // audit [accounts]: the ledger auditor over a billed data set (100,000 unless given), beside one plain pass of Postgres.
    await LedgerAuditBenchmark.Run(configuration, numbers.ElementAtOrDefault(0) is > 0 and var accounts ? accounts : 100_000, Fresh);
    return;
}

if (benchmark == "billing")
{
    // billing [sizes...]: accounts/s for each size in one run (10,000 and 100,000 unless given).
    await BillingBenchmark.Run(configuration, numbers.Length > 0 ? numbers : [10_000, 100_000], Fresh);
    return;
}

if (benchmark is "refunds" or "refunds-fast")
{
    // refunds-fast: the fast-lane figure and its baseline only, without the outage run.
    await RefundBenchmark.Run(configuration, numbers.ElementAtOrDefault(0) is > 0 and var n ? n : 10_000,
        TimeSpan.FromSeconds(numbers.ElementAtOrDefault(1) is > 0 and var s ? s : 60), Fresh, withOutage: benchmark == "refunds");
    return;
}

var sagas = numbers.ElementAtOrDefault(0) is > 0 and var count ? count : 4000;
var events = numbers.ElementAtOrDefault(1) is > 0 and var perSaga ? perSaga : 4;
await Fresh(configuration);
Console.WriteLine($"Warm-up, then {sagas:N0} sagas × {events + 1} transitions each, on {Environment.ProcessorCount} cores");
await SagaThroughput.Run(configuration, SagaStore.InMemory, 200, events);
var inMemory = await SagaThroughput.Run(configuration, SagaStore.InMemory, sagas, events);
Console.WriteLine($"(a) in-memory repository:         {inMemory,8:N0} transitions/s");

var postgres = await SagaRow("(b) Postgres repository + outbox, one message a transaction:", configuration, SagaStore.PostgresWithOutbox);
Console.WriteLine($"ratio (b)/(a): {postgres / inMemory:N2}");
var grouped = await SagaRow("(c) (b) in consume groups:                                ", configuration, SagaStore.PostgresGrouped);
Console.WriteLine($"ratio (c)/(a): {grouped / inMemory:N2}");

// The same over a Unix-domain socket, when Postgres runs on this host: no loopback TCP stack on each round trip.
const string SocketDirectory = "/var/run/postgresql";
if (Directory.Exists(SocketDirectory))
{
    var socket = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Billing")) { Host = SocketDirectory };
    var overSocket = new ConfigurationBuilder().AddConfiguration(configuration)
        .AddInMemoryCollection([new("ConnectionStrings:Billing", socket.ConnectionString)]).Build();
    var socketFigure = await SagaRow("(d) (c) over the Unix socket:                             ", overSocket, SagaStore.PostgresGrouped);
    Console.WriteLine($"ratio (d)/(c): {socketFigure / grouped:N2}");
}

// One Postgres row of the saga benchmark on a fresh database: its transitions/s, the consume groups and the CPU per transition.
async Task<double> SagaRow(string label, IConfiguration rowConfiguration, SagaStore store)
{
    await Fresh(rowConfiguration);
    await SagaThroughput.Run(rowConfiguration, store, 200, events);
    using var groups = ConsumeGroupSizes.Start();
    var cpu = CpuTime.Now();
    var figure = await SagaThroughput.Run(rowConfiguration, store, sagas, events);
    Console.WriteLine($"{label} {figure,8:N0} transitions/s");
    Console.WriteLine($"    {groups.Describe()}");
    Console.WriteLine($"    {CpuTime.Now().PerItemSince(cpu, sagas * (events + 1), "transition")}");
    return figure;
}

static async Task Fresh(IConfiguration configuration)
{
    var connectionString = configuration.GetConnectionString("Billing")!;
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    var database = builder.Database!;
    builder.Database = "postgres";
    builder.Pooling = false;
    await using (var admin = new NpgsqlConnection(builder.ConnectionString))
    {
        await admin.OpenAsync();
        await new NpgsqlCommand($"drop database if exists {database} with (force)", admin).ExecuteNonQueryAsync();
        await new NpgsqlCommand($"create database {database}", admin).ExecuteNonQueryAsync();
    }

    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(Migrator.FindMigrationsDirectory());

    var rabbit = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>()!;
    using var management = new RabbitMqManagement(rabbit.ManagementUrl, rabbit.Username, rabbit.Password);
    await management.RecreateVirtualHost(rabbit.VirtualHost);
}

static void ExitOnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    Console.Error.WriteLine($"Stopped by {context.Signal}: no figure for the measurement under way (its database billing_bench is left as it is).");
    Environment.Exit(context.Signal == PosixSignal.SIGINT ? 130 : 143);
}

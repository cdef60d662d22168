using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Billing.Features.Accounts;
using Billing.Hosting;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli;

/// <summary><c>import</c> and <c>generate</c>: loading accounts, through the one AccountImporter either way.</summary>
public static class AccountCommands
{
    public static Command Import()
    {
        var files = new Argument<FileInfo[]>("file") { Description = "accounts.json, or accounts.csv and entries.csv (told apart by their header row)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("import", "Import accounts, loans, previous statements and passbook entries (safe to repeat; all or nothing).") { files };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var given = parse.GetValue(files)!;
            if (given.FirstOrDefault(f => !f.Exists) is { } missing)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{missing.FullName} does not exist.[/]");
                return 2;
            }

            InputFiles input;
            try
            {
                input = InputFiles.Ordered(given);
            }
            catch (ImportFormatException ex)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{ex.Message}[/] Nothing was imported.");
                return 2;
            }

            return await Run(parse.UnmatchedTokens.ToArray(), async (importer, _, progress) => new GeneratedLoad(await importer.Import(input.Rows(ct), progress, ct), 0, 0),
                input.Length, () => input.Position, ct);
        });
        return command;
    }

    public static Command Generate()
    {
        var accounts = new Option<int>("--accounts") { Description = "How many accounts", Required = true };
        var seed = new Option<int>("--seed") { Description = "Same count, seed and date: the same accounts", DefaultValueFactory = _ => 1 };
        var date = new Option<DateOnly?>("--statement-date") { Description = "YYYY-MM-DD: every account is billed on this date (its day is their statement day)" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write files here instead of loading the database" };
        var format = new Option<string>("--format") { Description = "json (accounts.json) or csv (accounts.csv, entries.csv)", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv");
        var command = new Command("generate", "Generate deterministic accounts with history, into the database or into files.") { accounts, seed, date, output, format };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(accounts);
            if (count <= 0)
            {
                AnsiConsole.MarkupLine("[red]--accounts must be positive.[/]");
                return 2;
            }

            if (parse.GetValue(output) is not { } directory)
            {
                long seen = 0;
                var withRepayments = AccountGenerator.GenerateWithRepayments(count, parse.GetValue(seed), parse.GetValue(date));
                return await Run(parse.UnmatchedTokens.ToArray(), (importer, dataSource, progress) =>
                    GeneratedHistory.Load(dataSource, Counted(withRepayments, () => seen++), progress, ct), count, () => seen, ct);
            }

            // The files hold no repayments: an import takes none (docs/accounts.md, Generator).
            var generated = AccountGenerator.Generate(count, parse.GetValue(seed), parse.GetValue(date));

            directory.Create();
            var clock = Stopwatch.StartNew();
            if (parse.GetValue(format) == "csv")
            {
                await using var accountsCsv = new StreamWriter(Path.Combine(directory.FullName, "accounts.csv"));
                await using var entriesCsv = new StreamWriter(Path.Combine(directory.FullName, "entries.csv"));
                AccountFiles.WriteCsv(accountsCsv, entriesCsv, generated);
                AnsiConsole.MarkupLineInterpolated($"Wrote {count:N0} accounts to {Path.Combine(directory.FullName, "accounts.csv")} and entries.csv in {clock.Elapsed.TotalSeconds:F1} s.");
            }
            else
            {
                await using var json = File.Create(Path.Combine(directory.FullName, "accounts.json"));
                AccountFiles.WriteJson(json, generated);
                AnsiConsole.MarkupLineInterpolated($"Wrote {count:N0} accounts to {json.Name} in {clock.Elapsed.TotalSeconds:F1} s.");
            }

            return 0;
        });
        return command;
    }

    static IEnumerable<T> Counted<T>(IEnumerable<T> accounts, Action counted)
    {
        foreach (var account in accounts)
        {
            counted();
            yield return account;
        }
    }

    /// <param name="total">The progress bar's end: bytes of the files, or accounts to generate.</param>
    /// <param name="load">The import (and, for generated accounts, their repayments after it), reporting its progress.</param>
    static async Task<int> Run(string[] args, Func<AccountImporter, NpgsqlDataSource, IProgress<ImportProgress>, Task<GeneratedLoad>> load,
        long total, Func<long> done, CancellationToken ct)
    {
        using var host = BillingHost.Tooling(args);
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        var importer = new AccountImporter(dataSource);
        var latest = new Latest();
        var clock = Stopwatch.StartNew();
        // When each stage began, to show where an import's time goes.
        var stages = new List<(string Stage, TimeSpan At)> { ("reading", TimeSpan.Zero) };
        GeneratedLoad loaded;
        try
        {
            loaded = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var reading = progress.AddTask("reading and checking", maxValue: Math.Max(total, 1));
                    ProgressTask? writing = null;
                    var import = load(importer, dataSource, latest);
                    while (await Task.WhenAny(import, Task.Delay(200, ct)) != import)
                    {
                        reading.Value = done();
                        if (latest.Value?.Stage is { } now && (stages.Count == 0 || stages[^1].Stage != now))
                            stages.Add((now, clock.Elapsed));
                        if (latest.Value is { Stage: "checking" or "writing" } stage)
                        {
                            reading.Value = reading.MaxValue;
                            writing ??= progress.AddTask("merging into the database").IsIndeterminate();
                            writing.Description = stage.Stage == "checking" ? "checking for conflicts" : "merging into the database";
                        }
                    }

                    reading.Value = reading.MaxValue;
                    writing?.IsIndeterminate(false).Value(100);
                    return await import;
                });
        }
        catch (ImportFormatException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{ex.Message}[/] Nothing was imported.");
            return 2;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: the import's one transaction rolls back with it.
            AnsiConsole.MarkupLine("Stopped before the import finished: nothing was imported (an import is all or nothing).");
            return 130;
        }

        var report = loaded.Import;
        Summary(report, clock.Elapsed);
        if (loaded.RepaymentsBooked + loaded.RepaymentsReplayed > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"History repayments through the repayment intake: {loaded.RepaymentsBooked:N0} booked, {loaded.RepaymentsReplayed:N0} already present.");
        if (report.Written)
            AnsiConsole.MarkupLine(string.Join(", ", stages.Select((s, i) =>
                $"{s.Stage} {((i + 1 < stages.Count ? stages[i + 1].At : clock.Elapsed) - s.At).TotalSeconds:F1} s")));
        return report.Written ? 0 : 1;
    }

    static void Summary(ImportReport report, TimeSpan elapsed)
    {
        var table = new Table().AddColumns("", "created / added", "updated", "unchanged / already present", "conflicting", "rejected");
        table.AddRow("accounts", $"{report.AccountsCreated:N0}", $"{report.AccountsUpdated:N0}", $"{report.AccountsUnchanged:N0}", "", $"{report.RejectedCount:N0}");
        table.AddRow("previous statements", $"{report.StatementsCreated:N0}", $"{report.StatementsUpdated:N0}", "", "", "");
        table.AddRow("passbook entries", $"{report.EntriesAdded:N0}", "", $"{report.EntriesAlreadyPresent:N0}", $"{report.EntriesConflicting:N0}", "");
        AnsiConsole.Write(table);
        foreach (var rejected in report.Rejected)
            AnsiConsole.MarkupLineInterpolated($"[red]rejected[/] {rejected.Where}: {rejected.Reason}");
        foreach (var conflict in report.Conflicts)
            AnsiConsole.MarkupLineInterpolated($"[red]conflict[/] {conflict.Ref}: {conflict.Reason}");
        if (report.RejectedCount > report.Rejected.Count)
            AnsiConsole.MarkupLineInterpolated($"… and {report.RejectedCount - report.Rejected.Count:N0} more rejected rows.");
        AnsiConsole.MarkupLine(report.Written
            ? $"Imported in {elapsed.TotalSeconds:F1} s."
            : "[red]Nothing was imported[/]: fix the rows above and import the same files again.");
    }

    sealed class Latest : IProgress<ImportProgress>
    {
        volatile ImportProgress? _value;
        public ImportProgress? Value => _value;
        public void Report(ImportProgress value) => _value = value;
    }

    /// <summary>The files in the order an import needs: accounts.csv before the JSON documents, entries.csv last.</summary>
    sealed class InputFiles(List<(FileInfo File, bool Json)> files)
    {
        long _finished;
        FileStream? _current;

        public long Length { get; } = files.Sum(f => f.File.Length);
        public long Position => _finished + (_current is { } s && s.CanRead ? s.Position : 0);

        public static InputFiles Ordered(IEnumerable<FileInfo> given) => new(given
            .Select(f => (File: f, Json: f.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase)))
            .OrderBy(f => f.Json ? 1 : AccountsCsv.Peek(f.File.FullName) == AccountsCsv.FileKind.Accounts ? 0 : 2)
            .ToList());

        public async IAsyncEnumerable<ImportRow> Rows([EnumeratorCancellation] CancellationToken ct)
        {
            foreach (var (file, json) in files)
            {
                await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                _current = stream;
                var rows = json ? JsonAccountsReader.Read(stream, file.Name, ct) : AccountsCsv.Read(stream, file.Name, ct);
                await foreach (var row in rows)
                    yield return row;
                _finished += file.Length;
                _current = null;
            }
        }
    }
}

using System.Diagnostics;
using Billing.Features.Ledger;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Billing.Benchmarks;

/// <summary>
/// audit [accounts]: the ledger auditor over a freshly billed data set, beside its baseline measured in the same run:
/// one plain pass of Postgres over the tables the rules read (the passbook summed per account, the statements, their
/// frozen lines), the least any audit of every account must cost.
/// </summary>
public static class LedgerAuditBenchmark
{
    public static async Task Run(IConfiguration configuration, int size, Func<IConfiguration, Task> fresh)
    {
        Console.WriteLine($"Ledger audit on {Environment.ProcessorCount} cores, Postgres on this machine");
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        await fresh(configuration);
        await BillingBenchmark.Generate(configuration, size, date);
        var (perSecond, view, _) = await BillingBenchmark.Bill(configuration, date);
        Console.WriteLine($"{size,8:N0} accounts billed at {perSecond:N0} accounts/s ({view.Ready:N0} ready, {view.Halted:N0} halted); " +
                          $"{await BillingBenchmark.Scalar(configuration, "select count(*) from billing.passbook_entry"):N0} passbook entries, " +
                          $"{await BillingBenchmark.Scalar(configuration, "select count(*) from billing.statement_line"):N0} statement lines");
        await BillingBenchmark.Scalar(configuration, "analyze");

        var scan = Stopwatch.StartNew();
        await BillingBenchmark.Scalar(configuration, """
            select (select count(*) from (select account_id, sum(amount) from billing.passbook_entry group by account_id) p)
                 + (select count(*) from (select account_id, sum(closing_balance) from billing.statement group by account_id) s)
                 + (select count(*) from (select statement_id, sum(amount) from billing.statement_line group by statement_id) l)
            """);
        var baseline = scan.Elapsed;
        Console.WriteLine($"baseline: one pass over the passbook, statements and lines:  {baseline.TotalSeconds,7:N1} s ({size / baseline.TotalSeconds,8:N0} accounts/s)");

        await using var dataSource = NpgsqlDataSource.Create(configuration.GetConnectionString("Billing")!);
        var auditor = new LedgerAuditor(dataSource, NullLogger<LedgerAuditor>.Instance);
        var clock = Stopwatch.StartNew();
        var audit = await auditor.Run(Guid.NewGuid(), "benchmark", CancellationToken.None);
        var elapsed = clock.Elapsed;
        Console.WriteLine($"ledger audit of every account, statement, repayment and refund: {elapsed.TotalSeconds,7:N1} s ({audit.AccountsChecked / elapsed.TotalSeconds,8:N0} accounts/s), " +
                          $"{audit.Violations:N0} violation(s){(audit.Violations == 0 ? "" : ": " + string.Join(", ", audit.ByRule.Select(r => $"{r.Key} {r.Value}")))}; " +
                          $"{elapsed / baseline:N1}× the baseline");
    }
}

using System.Net.Http.Json;
using Billing.Cli.Refunds;
using Billing.Contracts.BillingRuns;
using Billing.Features.Accounts;
using Billing.Features.BillingRuns;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.StatementPdfs.Storage;
using MassTransit;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli.BillingRuns;

/// <summary>
/// The billing part of the main job: a few thousand generated accounts (overdue, overpaid, unreachable, zero balance,
/// some with hundreds of entries) billed for yesterday's statement date, whose midnight has passed in every time zone;
/// then some holders pay their balance twice, each payment reported by the gateway's webhook and again by its settlement
/// file, and each excess goes to the refund saga once and comes back to the passbook as a refund entry.
/// </summary>
public sealed class BillingDemo(IBus bus, NpgsqlDataSource dataSource, BillingRunProgress progress, HttpClient api, StandInControl provider,
    IStatementPdfStore pdfs)
{
    const int DoublePayers = 40;

    /// <summary>
    /// Empties the billing data the demo makes. Every table that references one of these must be in the list (Postgres
    /// refuses to truncate a referenced table alone): <c>DemoResetTests</c> runs it on a migrated database.
    /// </summary>
    internal const string ResetSql = """
        truncate billing.account_billing, billing.billing_run, billing.excess_refund, billing.repayment_move, billing.repayment_reversal,
            billing.repayment, billing.delivery, billing.statement_line, billing.statement,
            billing.passbook_entry, billing.loan, billing.account, messaging.inbox_state
        """;

    public async Task<bool> Run(int accounts, CancellationToken ct)
    {
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        AnsiConsole.MarkupLine($"[grey]Billing: the demo starts its billing data afresh (billing.* emptied), then generates {accounts:N0} accounts due {date:yyyy-MM-dd}.[/]");
        // The inbox too: the run's messages have ids that follow from the date and the accounts, so within the inbox's
        // duplicate window (30 min) a second demo's would be taken for the first's and dropped.
        await Execute(ResetSql, ct);
        // The statements are new ones under the same ids as the last demo's: the stand-ins forget the messages sent for those.
        await provider.ResetLedger(ct);
        var load = await GeneratedHistory.Load(dataSource, AccountGenerator.GenerateWithRepayments(accounts, seed: 1, date), null, ct);

        await bus.Publish(new StartBillingRun(date, "demo"), ct);
        var run = await RunWatch.Until(progress, BillingIds.Run(date), TimeSpan.FromMinutes(10), ct);
        AnsiConsole.Write(RunWatch.Summary(run));
        var delivered = await DeliveryWatch.Until(progress, BillingIds.Run(date), TimeSpan.FromMinutes(15), ct);
        AnsiConsole.Write(DeliveryWatch.Summary(delivered));
        if (await DeliveryWatch.SamplePdf(dataSource, date, ct) is { } pdf)
            // Its key in the store; where that is (a file, an s3:// address) depends on Statements:Pdf:Store.
            AnsiConsole.MarkupLine($"[grey]Open a statement:[/] {Markup.Escape(pdfs.Describe(pdf))}");
        AnsiConsole.MarkupLine("[grey]E-mails with the PDF attached:[/] .stack/mail/new [grey](the SMTP sink's Maildir)[/]");
        AnsiConsole.MarkupLine($"[grey]SMS and WhatsApp messages:[/] {Markup.Escape(provider.BaseAddress + "control/ledger")} [grey](messages.sms, messages.whatsApp)[/]");

        await provider.ClearFaults("card", ct);
        var (overpaid, refunded, entries, replays) = await PayTwice(date, ct);
        var table = new Table().Title("Repayments: the same due paid twice").AddColumns("", "Result");
        table.AddRow("Passbook entries imported", $"{load.Import.EntriesAdded:N0}");
        table.AddRow("History repayments booked through the repayment intake", $"{load.RepaymentsBooked:N0}");
        table.AddRow("Payments reported twice (webhook, then settlement file)", $"{replays:N0} answered as the same entry");
        table.AddRow("Accounts overpaid (balance paid twice)", $"{overpaid:N0}");
        table.AddRow("Excess refunded through the refund saga", $"{refunded:N0} / {overpaid:N0}");
        table.AddRow("Refund entries back in the passbook", $"{entries:N0}");
        AnsiConsole.Write(table);

        var ok = run.Settled && run.Ready + run.Halted == run.Total && run.Ready > 0 && refunded == overpaid && entries == overpaid
                 && replays == 2 * overpaid && delivered.Delivered == delivered.Ready;
        AnsiConsole.MarkupLine(ok ? "[green]Billing checks passed.[/]" : "[red]Billing checks failed: see the tables above.[/]");
        return ok;
    }

    async Task<(int Overpaid, int Refunded, int Entries, int Replays)> PayTwice(DateOnly date, CancellationToken ct)
    {
        var payers = new List<(string Account, decimal Balance, string Currency)>();
        await using (var command = dataSource.CreateCommand("""
            select account_id, closing_balance, currency from billing.statement
            where statement_date = $1 and status = 'ready' and closing_balance > 0 order by account_id limit $2
            """))
        {
            command.Parameters.AddWithValue(date);
            command.Parameters.AddWithValue(DoublePayers);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                payers.Add((reader.GetString(0), reader.GetDecimal(1), reader.GetString(2)));
        }

        var tag = $"{DateTime.UtcNow:yyyyMMddHHmmss}";
        var replays = 0;
        foreach (var (account, balance, currency) in payers)
            foreach (var payment in new[] { "a", "b" })
            {
                var body = new
                {
                    accountId = account, amount = balance, currency, gatewayPaymentId = $"pi_demo_{tag}_{account}_{payment}",
                    method = "card", paidAt = DateTimeOffset.UtcNow.AddSeconds(-5),
                };
                (await api.PostAsJsonAsync("/repayments", new { body.accountId, body.amount, body.currency, body.gatewayPaymentId, body.method, body.paidAt, source = "webhook" }, ct))
                    .EnsureSuccessStatusCode();
                using var again = await api.PostAsJsonAsync("/repayments", new { body.accountId, body.amount, body.currency, body.gatewayPaymentId, body.method, body.paidAt, source = "settlement" }, ct);
                if (again.StatusCode == System.Net.HttpStatusCode.OK)
                    replays++;
            }

        var gateways = payers.Select(p => $"pi_demo_{tag}_{p.Account}_b").ToArray();
        var refunded = 0;
        for (var waited = 0; waited < 120 && refunded < payers.Count; waited++)
        {
            await Task.Delay(500, ct);
            refunded = await Scalar("select count(*)::int from billing.excess_refund where status = 'refunded' and gateway_payment_id = any($1)", gateways, ct);
        }

        var entries = await Scalar("""
            select count(*)::int from billing.passbook_entry p join billing.excess_refund e on starts_with(p.external_ref, 'refund:' || e.refund_id)
            where p.kind = 'refund' and e.gateway_payment_id = any($1)
            """, gateways, ct);
        return (payers.Count, refunded, entries, replays);
    }

    async Task Execute(string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    async Task<int> Scalar(string sql, string[] gateways, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(gateways);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }
}

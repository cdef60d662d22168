using Billing.Features.BillingRuns.Runs;
using Npgsql;
using Spectre.Console;

namespace Billing.Cli.BillingRuns;

/// <summary>A progress bar for a run's statement deliveries until every statement has settled; then each channel's outcome.</summary>
public static class DeliveryWatch
{
    public static async Task<BillingRunView> Until(BillingRunProgress progress, Guid runId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var view = await progress.Get(runId, cancellationToken) ?? throw new InvalidOperationException($"No billing run {runId}.");
        var deadline = DateTimeOffset.UtcNow + timeout;
        var started = DateTimeOffset.UtcNow;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("Delivering statements", maxValue: Math.Max(1, view.Ready));
                while (DateTimeOffset.UtcNow < deadline)
                {
                    view = await progress.Get(runId, cancellationToken) ?? view;
                    bar.Value = view.Delivered;
                    int Sent(string channel) => view.Deliveries.Where(d => d.Channel == channel && d.Status == "sent").Sum(d => d.Count);
                    var rate = view.Delivered / Math.Max(0.001, (DateTimeOffset.UtcNow - started).TotalSeconds);
                    bar.Description = $"Delivering: {Sent("pdf"):N0} PDFs, {Sent("sms"):N0} SMS, {Sent("email"):N0} e-mails, " +
                                      $"{Sent("whatsapp"):N0} WhatsApp ({rate:N0} statements/s)";
                    if (view.Delivered >= view.Ready)
                        break;
                    await Task.Delay(500, cancellationToken);
                }
            });
        return view;
    }

    public static Table Summary(BillingRunView view)
    {
        var table = new Table().Title("Statement deliveries").AddColumns("Channel", "Sent", "Skipped", "Failed", "Not settled");
        foreach (var channel in new[] { "pdf", "sms", "email", "whatsapp" })
        {
            int Count(params string[] statuses) => view.Deliveries.Where(d => d.Channel == channel && statuses.Contains(d.Status)).Sum(d => d.Count);
            table.AddRow(channel == "pdf" ? "PDF rendered" : channel, $"{Count("sent"):N0}", $"{Count("skipped"):N0}", $"{Count("failed"):N0}",
                $"{Count("sending", "retrying"):N0}");
        }

        table.AddRow("Statements delivered", $"{view.Delivered:N0} / {view.Ready:N0}", "", "", "");
        return table;
    }

    /// <summary>Where to look: the store key of one PDF to open (the account with the most pages), the mail sink, the stand-ins' ledger.</summary>
    public static async Task<string?> SamplePdf(NpgsqlDataSource dataSource, DateOnly date, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select pdf_path from billing.statement where statement_date = $1 and pdf_path is not null
            order by pdf_pages desc, account_id limit 1
            """);
        command.Parameters.AddWithValue(date);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}

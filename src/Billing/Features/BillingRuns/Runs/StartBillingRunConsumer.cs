using Billing.Contracts.BillingRuns;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.BillingRuns.Runs;

/// <summary>
/// Opens the run of a statement date (one per date: starting it again changes nothing) with the number of accounts
/// due; a worker's <see cref="BillingFanOutService"/> then publishes them.
/// </summary>
public sealed class StartBillingRunConsumer(BillingDbContext db, ILogger<StartBillingRunConsumer> logger) : IConsumer<StartBillingRun>
{
    public async Task Consume(ConsumeContext<StartBillingRun> context)
    {
        var start = context.Message;
        var runId = BillingIds.Run(start.StatementDate);
        var trigger = start.Trigger.Length <= 200 ? start.Trigger : start.Trigger[..200];
        var opened = await db.Database.ExecuteSqlAsync($"""
            insert into billing.billing_run (run_id, statement_date, trigger, status, total)
            select {runId}, {start.StatementDate}, {trigger}, 'fanning_out', count(*)
            from billing.loan where statement_day = any({DueAccounts.StatementDays(start.StatementDate)}) and opened_on < {start.StatementDate}
            on conflict (statement_date) do nothing
            """, context.CancellationToken);
        logger.LogInformation(opened == 1 ? "Billing run {RunId} for {StatementDate} opened ({Trigger})" : "Billing run {RunId} for {StatementDate} is already open ({Trigger})",
            runId, start.StatementDate, trigger);
    }
}

using Billing.Contracts.BillingRuns;
using Billing.Contracts.Statements;
using Billing.Features.Observability;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// Picks up deliveries nobody is working on, as the refund janitor picks up stuck refunds: a delivery left
/// <c>retrying</c> whose scheduled next attempt never came (lost with a scheduler or a broker), and a channel of a ready
/// statement that no consumer ever took (its message went to an error queue, or was lost before it was consumed), which it
/// records as <c>pending</c>. For each it publishes the channel's message again (<see cref="StatementReady"/> for SMS and
/// the PDF, <see cref="StatementPdfSettled"/> for e-mail and WhatsApp); the consumer's claim makes a copy that arrives
/// twice send once. Runs in every worker: each claims its rows with SKIP LOCKED and moves their <c>updated_at</c> on
/// before publishing, so workers split the rows and a swept delivery waits <see cref="SweepOptions.LostAfter"/> before it
/// is looked at again.
/// </summary>
public sealed class UnsettledDeliverySweep(NpgsqlDataSource dataSource, IBus bus, IOptionsMonitor<DeliveryOptions> options,
    ILogger<UnsettledDeliverySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.Sweep.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnce(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Delivery sweep failed; trying again in {Interval}", options.CurrentValue.Sweep.Interval);
            }
        }
    }

    /// <summary>One look: records the channels no consumer took as pending, then publishes every lost delivery's message again.</summary>
    public async Task<int> SweepOnce(CancellationToken cancellationToken)
    {
        var sweep = options.CurrentValue.Sweep;
        await using (var pending = dataSource.CreateCommand("""
            insert into billing.delivery (statement_id, channel, status, idempotency_key, updated_at)
            select s.statement_id, c.channel, 'pending', 'statement-' || replace(s.statement_id::text, '-', '') || '-' || c.channel, now() - $1
            from billing.statement s
            cross join (values ('sms'), ('pdf'), ('email'), ('whatsapp')) c(channel)
            where s.delivery_status is null and s.created_at < now() - $1 and s.created_at > now() - $2
              and (s.corrects_statement_id is not null   -- a re-issue: support made it, no billing of its own
                   or exists (select 1 from billing.account_billing b where b.statement_id = s.statement_id and b.current_state = 'Ready'))
              and not exists (select 1 from billing.delivery d where d.statement_id = s.statement_id and d.channel = c.channel)
              -- E-mail and WhatsApp start once the PDF has settled.
              and (c.channel in ('sms', 'pdf') or exists (select 1 from billing.delivery p where p.statement_id = s.statement_id
                   and p.channel = 'pdf' and p.status in ('sent', 'failed') and p.settled_at < now() - $1))
            limit $3
            on conflict do nothing
            """))
        {
            pending.Parameters.Add(new() { Value = sweep.LostAfter });
            pending.Parameters.Add(new() { Value = sweep.MaxAge });
            pending.Parameters.Add(new() { Value = sweep.BatchSize });
            await pending.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var claim = dataSource.CreateCommand("""
            with due as (
                select statement_id, channel from billing.delivery
                where (status in ('pending', 'sending') and updated_at < now() - $1)
                   or (status = 'retrying' and coalesce(next_attempt_at, updated_at) < now() - $1)
                order by updated_at
                limit $2
                for update skip locked),
            claimed as (
                update billing.delivery d set updated_at = now(),
                    next_attempt_at = case when d.status = 'retrying' then now() else d.next_attempt_at end
                from due where d.statement_id = due.statement_id and d.channel = due.channel
                returning d.statement_id, d.channel, d.status)
            select c.statement_id, c.channel, c.status, s.run_id, s.account_id, s.statement_date, s.closing_balance, s.minimum_due,
                   s.due_date, s.currency, s.pdf_path is not null
            from claimed c join billing.statement s using (statement_id)
            """);
        claim.Parameters.Add(new() { Value = sweep.LostAfter });
        claim.Parameters.Add(new() { Value = sweep.BatchSize });

        var due = new List<(string Channel, string Status, object Message)>();
        await using (var r = await claim.ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken))
            {
                var (id, channel, account) = (r.GetGuid(0), r.GetString(1), r.GetString(4));
                due.Add((channel, r.GetString(2), channel is DeliveryChannels.Sms or DeliveryChannels.Pdf
                    ? new StatementReady(id, r.IsDBNull(3) ? Guid.Empty : r.GetGuid(3), account, r.GetFieldValue<DateOnly>(5), r.GetDecimal(6),
                        r.GetDecimal(7), r.GetFieldValue<DateOnly>(8), r.GetString(9).Trim())
                    : new StatementPdfSettled(id, account, r.GetBoolean(10), r.GetBoolean(10) ? null : "no PDF stored")));
            }
        }

        // Claimed and committed first, published after: were a publish lost, the delivery is due again after LostAfter.
        foreach (var (channel, status, message) in due)
        {
            logger.LogInformation("Delivery {Channel} of statement {StatementId} was {Status} with nothing on its way; publishing it again",
                channel, message is StatementReady ready ? ready.StatementId : ((StatementPdfSettled)message).StatementId, status);
            await bus.Publish(message, message.GetType(), cancellationToken);
            BillingMetrics.Delivery(channel, "swept");
        }

        return due.Count;
    }
}

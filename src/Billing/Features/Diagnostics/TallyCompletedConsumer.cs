using Billing.Contracts.Diagnostics;
using Billing.Infrastructure.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Features.Diagnostics;

/// <summary>
/// Downstream of the tally saga: records each completion. The row counts its own effects, so a completion
/// processed twice (a duplicate the inbox failed to stop) would show as effects = 2.
/// </summary>
public class TallyCompletedConsumer(BillingDbContext dbContext, TimeProvider clock) : IConsumer<TallyCompleted>
{
    public Task Consume(ConsumeContext<TallyCompleted> context) =>
        dbContext.Database.ExecuteSqlAsync($"""
            insert into diagnostics.tally_receipt (tally_id, count, effects, received_at)
            values ({context.Message.TallyId}, {context.Message.Count}, 1, {clock.GetUtcNow()})
            on conflict (tally_id) do update set effects = tally_receipt.effects + 1
            """, context.CancellationToken);
}
